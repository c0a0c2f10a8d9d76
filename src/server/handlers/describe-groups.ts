/**
 * DescribeGroups: Kafka members this server holds, with their subscription and assignment; a group
 * with only `strom consume` members (or none) is described from its files (members without
 * Kafka metadata).
 */
import {protocolOf} from '../../core/groups/group-admin.js'
import {GroupStore} from '../../core/groups/group-store.js'
import {ERR} from '../protocol/error-codes.js'
import {DescribedGroup, decodeRequest, encodeResponse} from '../protocol/messages/describe-groups.js'
import type {ServerContext} from '../context.js'
import type {Handler} from './types.js'

export const handleDescribeGroups: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  encodeResponse(writer, version, {groups: req.groups.map((name) => describe(ctx, name))})
}

function describe(ctx: ServerContext, name: string): DescribedGroup {
  const base = {errorCode: ERR.NONE, groupId: name, protocolType: 'consumer', protocolData: '', members: []}
  const kafka = ctx.groups.describe(name)
  if (kafka !== undefined && kafka.members.length > 0) {
    return {
      ...base,
      groupState: kafka.state,
      protocolData: kafka.protocolName,
      members: kafka.members.map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find((p) => p.name === kafka.protocolName)?.metadata ?? Buffer.alloc(0),
        assignment: m.assignment,
      })),
    }
  }
  let store: GroupStore
  try {
    store = new GroupStore(ctx.log.dir, name)
  } catch {
    return {...base, errorCode: ERR.INVALID_GROUP_ID, groupState: 'Dead'}
  }
  if (!store.exists()) return {...base, groupState: 'Dead'}
  const state = store.readState()
  const live = store.liveMembers(state)
  return {
    ...base,
    groupState: live.length > 0 ? 'Stable' : 'Empty',
    protocolData: protocolOf(state, live) ?? '',
    members: live.map((id) => ({memberId: id, clientId: state.members[id]?.clientId ?? 'strom', clientHost: state.members[id]?.host ?? '', metadata: Buffer.alloc(0), assignment: Buffer.alloc(0)})),
  }
}
