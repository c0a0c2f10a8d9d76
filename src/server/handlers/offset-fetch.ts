/**
 * OffsetFetch from the group's offsets.json; -1 where nothing is committed. v8+ asks for several
 * groups at once. With require_stable (v7+, KIP-447: read_committed consumers ask so), a partition
 * whose offsets an open transaction holds is answered UNSTABLE_OFFSET_COMMIT (the client retries);
 * decided transactions are finished first, so their offsets are in offsets.json.
 */
import {readCommittedOffsets} from '../../core/groups/commits.js'
import {validateName} from '../../core/names.js'
import type {ServerContext} from '../context.js'
import {ERR, kafkaErrorCode} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'
import {settleGroupOffsets} from '../../core/txn/txn-coordinator.js'
import {listTransactionStates} from '../../core/txn/txn-store.js'

type TopicsWanted = Array<{name: string; partitionIndexes: number[]}> | null

export const handleOffsetFetch: ApiHandler = (ctx, request, req) => {
  if (request.header.apiVersion >= 8) {
    return {groups: (req.groups as Array<{groupId: string; topics: TopicsWanted}>).map((g) => ({groupId: g.groupId, ...fetchGroup(ctx, g.groupId, g.topics, req.requireStable === true)}))}
  }
  return fetchGroup(ctx, req.groupId, req.topics, req.requireStable === true)
}

function fetchGroup(ctx: ServerContext, groupId: string, topics: TopicsWanted, requireStable: boolean) {
  try {
    validateName('group', groupId)
    // Decided transactions are finished before offsets.json is read (their offsets land there).
    let unstable = requireStable ? unstablePartitions(ctx, groupId, topics ?? []) : new Set<string>()
    const offsets = readCommittedOffsets(ctx.log.dir, groupId)
    const wanted = topics ?? Object.entries(offsets).map(([name, byPartition]) => ({name, partitionIndexes: Object.keys(byPartition).map(Number)}))
    if (requireStable && topics === null) unstable = unstablePartitions(ctx, groupId, wanted)
    return {
      errorCode: ERR.NONE,
      topics: wanted.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => {
          if (unstable.has(`${t.name}:${p}`)) return {partitionIndex: p, committedOffset: -1, metadata: null, errorCode: ERR.UNSTABLE_OFFSET_COMMIT}
          const committed = offsets[t.name]?.[String(p)]
          return {partitionIndex: p, committedOffset: committed?.offset ?? -1, metadata: committed?.metadata ?? '', errorCode: ERR.NONE}
        }),
      })),
    }
  } catch (error) {
    const errorCode = kafkaErrorCode(error) === ERR.INVALID_TOPIC_EXCEPTION ? ERR.INVALID_GROUP_ID : kafkaErrorCode(error)
    return {errorCode, topics: (topics ?? []).map((t) => ({name: t.name, partitions: t.partitionIndexes.map((p) => ({partitionIndex: p, committedOffset: -1, metadata: null, errorCode}))}))}
  }
}

/** "topic:partition" of the group whose offsets an open transaction holds (after finishing decided ones). */
function unstablePartitions(ctx: ServerContext, groupId: string, topics: Array<{name: string; partitionIndexes: number[]}>): Set<string> {
  const wanted = topics.flatMap((t) => t.partitionIndexes.map((partition) => ({topic: t.name, partition})))
  const blocking = new Set(settleGroupOffsets(ctx.log, groupId, wanted))
  const out = new Set<string>()
  if (blocking.size === 0) return out
  for (const state of listTransactionStates(ctx.log.dir)) {
    if (!blocking.has(state.transactionalId)) continue
    for (const [topic, partitions] of Object.entries(state.offsets[groupId] ?? {})) for (const p of Object.keys(partitions)) out.add(`${topic}:${p}`)
  }
  return out
}
