/**
 * DescribeGroups: Kafka members this server holds, with their subscription and assignment; a group
 * with only `strom consume` members (or none) is described from its files (members without
 * Kafka metadata).
 */
import {protocolOf} from '../../core/groups/group-admin.js'
import {GroupStore} from '../../core/groups/group-store.js'
import {ERR} from '../protocol/error-codes.js'
import type {ServerContext} from '../context.js'
import type {ApiHandler} from './types.js'

export const handleDescribeGroups: ApiHandler = (ctx, _request, req) => ({groups: (req.groups as string[]).map((name) => describe(ctx, name))})

function describe(ctx: ServerContext, name: string) {
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
        memberMetadata: m.protocols.find((p) => p.name === kafka.protocolName)?.metadata ?? Buffer.alloc(0),
        memberAssignment: m.assignment,
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
    members: live.map((id) => ({memberId: id, clientId: state.members[id]?.clientId ?? 'strom', clientHost: state.members[id]?.host ?? '', memberMetadata: Buffer.alloc(0), memberAssignment: Buffer.alloc(0)})),
  }
}
