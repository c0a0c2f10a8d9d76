/**
 * `offsets reset`: the modes of kafka-consumer-groups --reset-offsets, as a plan (per partition:
 * current → new) that changes nothing until executed. Executing is refused while the group has
 * live members (Kafka's rule: only Empty or Dead groups), clamps to each partition's valid range,
 * and journals the offsets it replaced so `offsets undo` can put them back.
 */
import fs from 'node:fs'
import path from 'node:path'
import {partitionBounds} from '../consumer.js'
import type {PartitionBounds} from '../offset-spec.js'
import {StromError} from '../errors.js'
import {writeJsonAtomic} from '../io/atomic-file.js'
import type {Log} from '../log.js'
import {compareTpKeys, parseTpKey, tpKey} from './assignors.js'
import {GroupState, GroupStore, OffsetsByTopic} from './group-store.js'

export type ResetSpec =
  | {mode: 'to-earliest'}
  | {mode: 'to-latest'}
  | {mode: 'to-current'}
  | {mode: 'to-offset'; offset: number}
  | {mode: 'shift-by'; shift: number}
  | {mode: 'to-datetime'; timestamp: number}
  | {mode: 'from-file'; offsets: Map<string, number>}
  | {mode: 'to-group'; group: string}

export interface ResetScope {
  /** topic → partitions (undefined = all partitions of the topic) */
  topics?: Array<{topic: string; partitions?: number[]}>
  allTopics?: boolean
}

export interface PlannedReset {
  topic: string
  partition: number
  current: number | null
  target: number
  note?: string
}

/** Parses Kafka's --by-duration PnDTnHnMnS (e.g. P1DT2H, PT30M, PT0.5S). */
export function parseIsoDuration(text: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text)
  if (match === null || text === 'P' || text.endsWith('T')) {
    throw new StromError('INVALID_ARGUMENT', `invalid duration '${text}'`, {hint: 'use ISO-8601 PnDTnHnMnS, e.g. P1D, PT2H, PT30M, P1DT12H'})
  }
  const [, d, h, m, s] = match
  return (Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000
}

/** Reads a plan exported as CSV: `topic,partition,offset` per line (Kafka's format). */
export function parsePlanCsv(text: string, source: string): Map<string, number> {
  const offsets = new Map<string, number>()
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || /^topic,partition,/i.test(line)) return
    const fields = line.split(',')
    if (fields.length !== 3 || !/^\d+$/.test(fields[1]) || !/^-?\d+$/.test(fields[2])) {
      throw new StromError('INVALID_INPUT', `${source} line ${i + 1}: expected topic,partition,offset but got '${line}'`)
    }
    offsets.set(tpKey(fields[0], Number(fields[1])), Number(fields[2]))
  })
  if (offsets.size === 0) throw new StromError('INVALID_INPUT', `${source} holds no offsets`)
  return offsets
}

export function planToCsv(plan: PlannedReset[]): string {
  return plan.map((p) => `${p.topic},${p.partition},${p.target}`).join('\n') + '\n'
}

export function planReset(log: Log, group: string, spec: ResetSpec, scope: ResetScope, onProgress?: (done: number, total: number) => void): PlannedReset[] {
  const store = new GroupStore(log.dir, group)
  const other = spec.mode === 'to-group' ? new GroupStore(log.dir, spec.group) : undefined
  if (other !== undefined) other.requireExists()
  const view: ResetView = {
    offsets: store.readOffsets(),
    otherOffsets: other?.readOffsets(),
    partitionCount: (topic) => log.topic(topic).partitions,
    bounds: (topicName, partition) => {
      const topic = log.topic(topicName)
      topic.checkPartition(partition)
      return partitionBounds(topic, partition)
    },
  }
  return planResetWith(view, spec, scope, onProgress)
}

/**
 * What a reset plan needs to know, so any backend can supply it: the group's committed offsets
 * (and the other group's, for --to-group), partition counts, and per partition its bounds.
 */
export interface ResetView {
  offsets: OffsetsByTopic
  otherOffsets?: OffsetsByTopic
  partitionCount(topic: string): number
  bounds(topic: string, partition: number): PartitionBounds
}

/** The partitions a plan covers, before any offset is resolved (a backend prefetches their bounds). */
export function resetKeys(view: Pick<ResetView, 'offsets' | 'partitionCount'>, spec: ResetSpec, scope: ResetScope): Array<{topic: string; partition: number}> {
  return scopeKeys(view, view.offsets, spec, scope).map(parseTpKey)
}

export function planResetWith(view: ResetView, spec: ResetSpec, scope: ResetScope, onProgress?: (done: number, total: number) => void): PlannedReset[] {
  const offsets = view.offsets
  const keys = scopeKeys(view, offsets, spec, scope)
  const otherOffsets = view.otherOffsets
  const plan: PlannedReset[] = []
  for (const key of keys) {
    const {topic: topicName, partition} = parseTpKey(key)
    const bounds = view.bounds(topicName, partition)
    const current = offsets[topicName]?.[String(partition)]?.offset ?? null
    let target: number
    let note: string | undefined
    switch (spec.mode) {
      case 'to-earliest':
        target = bounds.logStartOffset
        break
      case 'to-latest':
        target = bounds.endOffset
        break
      case 'to-current':
        target = current ?? bounds.endOffset
        break
      case 'to-offset':
        target = spec.offset
        break
      case 'shift-by':
        target = (current ?? bounds.endOffset) + spec.shift
        break
      case 'to-datetime':
        target = bounds.offsetForTimestamp(spec.timestamp)
        if (target >= bounds.endOffset) note = 'no message at or after that time: latest'
        break
      case 'from-file':
        target = spec.offsets.get(key)!
        break
      case 'to-group': {
        const copied = otherOffsets?.[topicName]?.[String(partition)]?.offset
        if (copied === undefined) {
          target = current ?? bounds.endOffset
          note = `group '${spec.group}' has no offset here: unchanged`
        } else target = copied
        break
      }
    }
    if (target < bounds.logStartOffset) {
      note = `${target} is below the log start: clamped`
      target = bounds.logStartOffset
    } else if (target > bounds.endOffset) {
      note = `${target} is past the end: clamped`
      target = bounds.endOffset
    }
    plan.push({topic: topicName, partition, current, target, note})
    onProgress?.(plan.length, keys.length)
  }
  return plan
}

function scopeKeys(view: Pick<ResetView, 'partitionCount'>, offsets: OffsetsByTopic, spec: ResetSpec, scope: ResetScope): string[] {
  const keys = new Set<string>()
  if (spec.mode === 'from-file' && scope.topics === undefined && !scope.allTopics) {
    for (const key of spec.offsets.keys()) keys.add(key)
    return [...keys].sort(compareTpKeys)
  }
  if (scope.allTopics) {
    for (const [topic, byPartition] of Object.entries(offsets)) for (const p of Object.keys(byPartition)) keys.add(tpKey(topic, Number(p)))
  }
  for (const {topic, partitions} of scope.topics ?? []) {
    const count = view.partitionCount(topic)
    for (const p of partitions ?? [...Array(count).keys()]) keys.add(tpKey(topic, p))
  }
  if (spec.mode === 'from-file') for (const key of [...keys]) if (!spec.offsets.has(key)) keys.delete(key)
  if (keys.size === 0) {
    throw new StromError('INVALID_ARGUMENT', scope.allTopics ? 'the group has no committed offsets, so --all-topics selects nothing' : 'no partitions selected', {
      hint: 'select partitions with --topic T (or T:0,1,2), or --all-topics',
    })
  }
  return [...keys].sort(compareTpKeys)
}

interface ResetJournal {
  version: 1
  executedMs: number
  description: string
  previous: Array<{topic: string; partition: number; offset: number | null}>
  applied: Array<{topic: string; partition: number; offset: number}>
}

/** Applies a plan under the group lock; refused while members are alive. Returns the journal file. */
export function executeReset(log: Log, group: string, plan: PlannedReset[], description: string): string {
  const store = new GroupStore(log.dir, group)
  return store.withLock(() => {
    const state = store.readState()
    store.reapDeadMembersLocked(state)
    const live = store.liveMembers(state)
    if (live.length > 0) {
      throw new StromError('GROUP_NOT_EMPTY', `group '${group}' has live members, so its offsets cannot be reset: ${live.map((id) => `${id} (pid ${state.members[id].pid} on ${state.members[id].host})`).join(', ')}`, {
        hint: 'stop the group\'s consumers first (as Kafka requires an Empty group)',
      })
    }
    fenceEveryoneLocked(store, state)
    const offsets = store.readOffsets()
    const journal: ResetJournal = {
      version: 1,
      executedMs: Date.now(),
      description,
      previous: plan.map((p) => ({topic: p.topic, partition: p.partition, offset: offsets[p.topic]?.[String(p.partition)]?.offset ?? null})),
      applied: plan.map((p) => ({topic: p.topic, partition: p.partition, offset: p.target})),
    }
    const journalDir = path.join(store.groupDir, 'resets')
    fs.mkdirSync(journalDir, {recursive: true})
    const journalFile = path.join(journalDir, `${String(journal.executedMs).padStart(15, '0')}-${process.pid}.json`)
    // Journal first: if we crash after it, undo still knows the old offsets.
    writeJsonAtomic(journalFile, journal)
    store.writeOffsetsLocked(plan.map((p) => ({topic: p.topic, partition: p.partition, offset: p.target})))
    return journalFile
  })
}

/**
 * Caller holds the lock and found no live member. Writes the reap down and drops every ownership
 * under a new generation: a member that was only declared dead (a stopped process, whose liveness
 * lock is still held) owns nothing any more, so its commits are fenced when it runs again and cannot
 * undo the reset; it rejoins and starts from the new offsets.
 */
function fenceEveryoneLocked(store: GroupStore, state: GroupState): void {
  state.owned = {}
  state.target = {}
  state.generation += 1
  store.writeStateLocked(state)
}

/** Restores the offsets replaced by the latest executed reset, and drops that journal entry. */
export function undoLastReset(log: Log, group: string): {restored: Array<{topic: string; partition: number; offset: number | null}>; description: string} {
  const store = new GroupStore(log.dir, group)
  store.requireExists()
  return store.withLock(() => {
    const state = store.readState()
    store.reapDeadMembersLocked(state)
    const live = store.liveMembers(state)
    if (live.length > 0) throw new StromError('GROUP_NOT_EMPTY', `group '${group}' has live members; stop them before undoing a reset`)
    fenceEveryoneLocked(store, state)
    const journalDir = path.join(store.groupDir, 'resets')
    const entries = fs.existsSync(journalDir) ? fs.readdirSync(journalDir).filter((f) => f.endsWith('.json')).sort() : []
    if (entries.length === 0) throw new StromError('INVALID_ARGUMENT', `group '${group}' has no executed reset to undo`)
    const file = path.join(journalDir, entries[entries.length - 1])
    const journal = JSON.parse(fs.readFileSync(file, 'utf8')) as ResetJournal
    const offsets = store.readOffsets()
    for (const entry of journal.previous) {
      if (entry.offset === null) {
        delete offsets[entry.topic]?.[String(entry.partition)]
        if (offsets[entry.topic] !== undefined && Object.keys(offsets[entry.topic]).length === 0) delete offsets[entry.topic]
      } else {
        ;(offsets[entry.topic] ??= {})[String(entry.partition)] = {offset: entry.offset, metadata: '', commitTimestamp: Date.now()}
      }
    }
    store.replaceOffsetsLocked(offsets)
    fs.renameSync(file, file.replace(/\.json$/, '.undone'))
    return {restored: journal.previous, description: journal.description}
  })
}
