/**
 * What `group list` and `group describe` show, in Kafka's words. Lag is end offset minus committed
 * offset, where the end offset comes from the last index entry plus a short scan (no segment scan).
 *
 *   Stable       live members, and every target partition is owned by its target member
 *   Rebalancing  live members, handover in progress
 *   Empty        no live members, committed offsets kept
 *   Dead         no members and no offsets
 */
import fs from 'node:fs'
import {StromError} from '../errors.js'
import type {Log} from '../log.js'
import {compareTpKeys, parseTpKey, tpKey} from './assignors.js'
import {GroupState, GroupStore} from './group-store.js'

export type GroupStateName = 'Stable' | 'Rebalancing' | 'Empty' | 'Dead'

export interface GroupMemberView {
  id: string
  pid: number
  host: string
  since: string
  clientId?: string
  assignment: string[]
}

export interface GroupPartitionView {
  topic: string
  partition: number
  committed: number | null
  logStart: number
  end: number
  lag: number | null
  owner: string | null
  metadata: string
  commitTimestamp: number | null
}

export interface GroupDescription {
  group: string
  state: GroupStateName
  protocol: string | null
  generation: number
  members: GroupMemberView[]
  partitions: GroupPartitionView[]
  totalLag: number
}

export function groupStateName(store: GroupStore, state: GroupState, live: string[]): GroupStateName {
  if (live.length === 0) {
    const offsets = store.readOffsets()
    return Object.keys(offsets).length === 0 ? 'Dead' : 'Empty'
  }
  for (const id of live) {
    for (const key of state.target[id] ?? []) if (state.owned[key]?.member !== id) return 'Rebalancing'
  }
  return 'Stable'
}

/** The assignment strategy of the current generation; none once every member left (as Kafka reports an Empty group). */
export function protocolOf(state: GroupState, live: string[]): string | null {
  return live.length === 0 ? null : state.protocol
}

export function listGroups(log: Log): Array<{group: string; state: GroupStateName; members: number; protocol: string | null}> {
  return GroupStore.list(log.dir).map((group) => {
    const store = new GroupStore(log.dir, group)
    const state = store.readState()
    const live = store.liveMembers(state)
    return {group, state: groupStateName(store, state, live), members: live.length, protocol: protocolOf(state, live)}
  })
}

/**
 * `options.positions` lets a caller that has just read every partition's log start and end (strom
 * top's snapshot) hand them in, so describing a group reads no partition again; it returns
 * undefined for a topic or partition that does not exist.
 */
export function describeGroup(log: Log, group: string, options: {positions?: (topic: string, partition: number) => {logStart: number; end: number} | undefined} = {}): GroupDescription {
  const readPosition = options.positions ?? ((topic: string, partition: number) => partitionPosition(log, topic, partition))
  const store = new GroupStore(log.dir, group)
  store.requireExists()
  const state = store.readState()
  const live = store.liveMembers(state)
  const offsets = store.readOffsets()
  const keys = new Set<string>()
  for (const [topic, byPartition] of Object.entries(offsets)) for (const p of Object.keys(byPartition)) keys.add(tpKey(topic, Number(p)))
  for (const id of live) for (const key of state.target[id] ?? []) keys.add(key)
  const partitions: GroupPartitionView[] = []
  for (const key of [...keys].sort(compareTpKeys)) {
    const {topic: topicName, partition} = parseTpKey(key)
    const position = readPosition(topicName, partition)
    if (position === undefined) continue
    const {end, logStart} = position
    const committed = offsets[topicName]?.[String(partition)]
    const owner = state.owned[key]?.member
    partitions.push({
      topic: topicName,
      partition,
      committed: committed?.offset ?? null,
      logStart,
      end,
      lag: committed === undefined ? null : Math.max(0, end - Math.max(committed.offset, logStart)),
      owner: owner !== undefined && live.includes(owner) ? owner : null,
      metadata: committed?.metadata ?? '',
      commitTimestamp: committed?.commitTimestamp ?? null,
    })
  }
  const members = live.map((id) => {
    const info = state.members[id]
    return {id, pid: info.pid, host: info.host, since: new Date(info.startedMs).toISOString(), clientId: info.clientId, assignment: state.target[id] ?? []}
  })
  return {
    group,
    state: groupStateName(store, state, live),
    protocol: protocolOf(state, live),
    generation: state.generation,
    members,
    partitions,
    totalLag: partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0),
  }
}

/** Log start and end of a partition, or undefined when the topic or partition does not exist. */
function partitionPosition(log: Log, topicName: string, partition: number): {logStart: number; end: number} | undefined {
  try {
    const topic = log.topic(topicName)
    if (partition >= topic.partitions) return undefined
    const reader = topic.reader(partition)
    return {end: reader.endOffset(), logStart: reader.logStartOffset()}
  } catch (error) {
    if (error instanceof StromError && error.code === 'UNKNOWN_TOPIC') return undefined
    throw error
  }
}

/** Deletes a group's offsets and state; refused while it has live members. */
export function deleteGroup(log: Log, group: string): void {
  const store = new GroupStore(log.dir, group)
  store.requireExists()
  store.withLock(() => {
    const state = store.readState()
    store.reapDeadMembersLocked(state)
    const live = store.liveMembers(state)
    if (live.length > 0) {
      throw new StromError('GROUP_NOT_EMPTY', `group '${group}' has ${live.length} live member${live.length === 1 ? '' : 's'}: ${live.map((id) => `${id} (pid ${state.members[id].pid})`).join(', ')}`, {
        hint: 'stop its consumers first (Ctrl-C or SIGTERM), then delete it',
      })
    }
    for (const file of ['state.json', 'offsets.json']) fs.rmSync(`${store.groupDir}/${file}`, {force: true})
    fs.rmSync(`${store.groupDir}/members`, {recursive: true, force: true})
    fs.rmSync(`${store.groupDir}/resets`, {recursive: true, force: true})
  })
  // The LOCK file goes last, outside the lock; a racing joiner would simply recreate the group.
  fs.rmSync(store.groupDir, {recursive: true, force: true})
}

/**
 * Deletes a group's committed offsets of the given partitions, as Kafka's OffsetDelete does: a
 * partition of a topic a live member subscribes to keeps its offset ('subscribed'); one without
 * an offset counts as deleted. Throws UNKNOWN_GROUP for a group without files.
 */
export function deleteOffsets(log: Log, group: string, partitions: Array<{topic: string; partition: number}>): Array<'deleted' | 'subscribed'> {
  const store = new GroupStore(log.dir, group)
  store.requireExists()
  return store.withLock(() => {
    const state = store.readState()
    store.reapDeadMembersLocked(state)
    const subscribed = new Set(store.liveMembers(state).flatMap((id) => [...state.members[id].subscribed, ...state.members[id].topics]))
    const offsets = store.readOffsets()
    const outcomes = partitions.map(({topic, partition}) => {
      if (subscribed.has(topic)) return 'subscribed' as const
      if (offsets[topic] !== undefined) {
        delete offsets[topic][String(partition)]
        if (Object.keys(offsets[topic]).length === 0) delete offsets[topic]
      }
      return 'deleted' as const
    })
    store.replaceOffsetsLocked(offsets)
    return outcomes
  })
}
