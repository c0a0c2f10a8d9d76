/** SyncGroup: every member gets the assignment the server computed; the leader's plan is not used. */
import {decodeRequest, encodeResponse} from '../protocol/messages/sync-group.js'
import type {Handler} from './types.js'

export const handleSyncGroup: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  encodeResponse(writer, version, ctx.groups.sync(req.groupId, req.generationId, req.memberId))
}
