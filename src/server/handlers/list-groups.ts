/**
 * ListGroups: every group in the directory (strom's and Kafka clients'), plus groups only in memory
 * here. v4+ may filter by state (case-insensitive, as Kafka compares them).
 */
import {GroupStore} from '../../core/groups/group-store.js'
import {ERR} from '../protocol/error-codes.js'
import type {ServerContext} from '../context.js'
import type {ApiHandler} from './types.js'

export const handleListGroups: ApiHandler = (ctx, _request, req) => {
  const names = new Set([...GroupStore.list(ctx.log.dir), ...ctx.groups.groupNames()])
  const states = new Set((req.statesFilter as string[]).map((s) => s.toLowerCase()))
  const groups = [...names].sort().map((groupId) => ({groupId, protocolType: 'consumer', groupState: stateOf(ctx, groupId), groupType: 'classic'}))
  return {errorCode: ERR.NONE, groups: states.size === 0 ? groups : groups.filter((g) => states.has(g.groupState.toLowerCase()))}
}

function stateOf(ctx: ServerContext, name: string): string {
  const kafka = ctx.groups.describe(name)
  if (kafka !== undefined && kafka.members.length > 0) return kafka.state
  try {
    const store = new GroupStore(ctx.log.dir, name)
    return store.exists() && store.liveMembers().length > 0 ? 'Stable' : 'Empty'
  } catch {
    return 'Dead'
  }
}
