/** ListGroups: every group in the directory (strom's and Kafka clients'), plus groups only in memory here. */
import {GroupStore} from '../../core/groups/group-store.js'
import {ERR} from '../protocol/error-codes.js'
import {encodeResponse} from '../protocol/messages/list-groups.js'
import type {Handler} from './types.js'

export const handleListGroups: Handler = (ctx, request, _reader, writer) => {
  const names = new Set([...GroupStore.list(ctx.log.dir), ...ctx.groups.groupNames()])
  encodeResponse(writer, request.header.apiVersion, {errorCode: ERR.NONE, groups: [...names].sort().map((groupId) => ({groupId, protocolType: 'consumer'}))})
}
