/**
 * Ending transactions in a log directory: what Kafka's transaction coordinator does after EndTxn.
 *
 * The commit point is the state file: PrepareCommit (or PrepareAbort) written under the id's lock.
 * Completion then, for each partition in the transaction, appends the COMMIT/ABORT marker (an ABORT
 * also gets its `.txnindex` entry, under the partition's write lock), applies the transaction's
 * consumer offsets to the groups' offsets.json on commit, and finally writes CompleteCommit /
 * CompleteAbort. Every step is idempotent (a marker already in the partition is not written
 * again, offsets are set, not added), so a crash anywhere is finished by the next completion: the
 * next producer with the id (TransactionalProducer.init), `strom log clean`, `strom serve`, or a
 * group member that needs the offsets (settleGroupOffsets).
 */
import {StromError} from '../errors.js'
import {BATCH, LOG_OVERHEAD, readInt64} from '../format/record-batch.js'
import {segmentPrefix} from '../format/segment-files.js'
import {GroupStore} from '../groups/group-store.js'
import type {Log, Topic} from '../log.js'
import path from 'node:path'
import {MarkerType, batchTxnInfo, encodeMarker} from './control-batch.js'
import {outcomeOf, ownerAliveIn} from './isolation.js'
import {TXN_INDEX_SUFFIX, appendAbortedTxn} from './txn-index.js'
import crypto from 'node:crypto'
import fs from 'node:fs'
import {FileLock} from '../io/file-lock.js'
import {TransactionFiles, TxnState, listTransactionStates} from './txn-store.js'
import type {OffsetCommit} from '../groups/group-store.js'

/** Topics by name, opened once per completion (a deleted topic: undefined, its markers are moot). */
export type TopicLookup = (name: string) => Topic | undefined

export function topicLookup(log: Log): TopicLookup {
  const cache = new Map<string, Topic | undefined>()
  return (name) => {
    if (!cache.has(name)) {
      let topic: Topic | undefined
      try {
        topic = log.topic(name)
      } catch (error) {
        if (!(error instanceof StromError && error.code === 'UNKNOWN_TOPIC')) throw error
      }
      cache.set(name, topic)
    }
    return cache.get(name)
  }
}

/**
 * Finishes a decided transaction (state PrepareCommit or PrepareAbort, or Ongoing being aborted).
 * Caller holds the id's lock; returns the state written (Complete*).
 */
export function completeTransaction(files: TransactionFiles, state: TxnState, type: MarkerType, topics: TopicLookup, markerEpoch = state.producerEpoch): TxnState {
  const producer = {producerId: state.producerId, producerEpoch: markerEpoch}
  for (const [topicName, partitions] of Object.entries(state.partitions)) {
    const topic = topics(topicName)
    if (topic === undefined) continue
    for (const [p, firstOffset] of Object.entries(partitions)) {
      const partition = Number(p)
      if (partition >= topic.partitions) continue
      writeMarker(topic, partition, state.producerId, firstOffset, type, producer)
    }
  }
  if (type === 'COMMIT') {
    for (const [group, byTopic] of Object.entries(state.offsets)) {
      const commits = Object.entries(byTopic).flatMap(([topic, partitions]) => Object.entries(partitions).map(([p, o]) => ({topic, partition: Number(p), offset: o.offset, metadata: o.metadata})))
      const store = new GroupStore(files.logDir, group)
      store.withLock(() => store.writeOffsetsLocked(commits))
    }
  }
  const done: TxnState = {...state, producerEpoch: Math.max(state.producerEpoch, markerEpoch), state: type === 'COMMIT' ? 'CompleteCommit' : 'CompleteAbort', startedMs: 0, partitions: {}, offsets: {}}
  files.write(done)
  return done
}

/**
 * Appends the marker of `producerId`'s transaction to a partition unless it is there already
 * (looking from the transaction's first offset on); an ABORT marker also gets its .txnindex entry.
 */
function writeMarker(topic: Topic, partition: number, producerId: number, fromOffset: number, type: MarkerType, producer: {producerId: number; producerEpoch: number}): void {
  const found = scanProducer(topic, partition, producerId, fromOffset)
  const firstDataOffset = found.firstData
  const addIndexEntry = (markerOffset: number, segmentBase: number) => {
    if (type !== 'ABORT') return
    appendAbortedTxn(path.join(topic.partitionDir(partition), segmentPrefix(segmentBase) + TXN_INDEX_SUFFIX), {
      producerId,
      firstOffset: firstDataOffset ?? markerOffset,
      lastOffset: markerOffset,
      lastStableOffset: markerOffset + 1,
    })
  }
  const writer = topic.writer(partition)
  if (found.marker !== undefined) {
    // Written before a crash; its index entry may not have been.
    const bases = topic.reader(partition).refreshSegmentBases()
    const base = bases.filter((b) => b <= found.marker!).pop() ?? 0
    writer.withWriteLock(() => addIndexEntry(found.marker!, base))
    return
  }
  writer.append(encodeMarker(type, producer, Date.now()), {written: (result, segmentBase) => addIndexEntry(result.baseOffset, segmentBase)})
}

/** The producer's first transactional data batch and its first marker at or after `fromOffset`. */
function scanProducer(topic: Topic, partition: number, producerId: number, fromOffset: number): {firstData?: number; marker?: number} {
  const cursor = topic.reader(partition).openCursor(fromOffset)
  const out: {firstData?: number; marker?: number} = {}
  try {
    for (let chunk = cursor.read(); chunk !== undefined; chunk = cursor.read()) {
      for (let at = chunk.start; at < chunk.end; at += chunk.buffer.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD) {
        const baseOffset = readInt64(chunk.buffer, at + BATCH.baseOffset)
        if (baseOffset + chunk.buffer.readInt32BE(at + BATCH.lastOffsetDelta) < fromOffset) continue
        const info = batchTxnInfo(chunk.buffer, at)
        if (info.producerId !== producerId || !info.transactional) continue
        if (info.control) {
          out.marker = baseOffset
          return out
        }
        out.firstData ??= baseOffset
      }
    }
  } finally {
    cursor.close()
  }
  return out
}

/**
 * Finishes every transaction whose outcome is decided but not yet written (a producer that died
 * after its commit point, one that died mid-transaction, one past its timeout). Returns how many.
 * Idempotent and safe to run from several processes at once (each id under its lock).
 */
export function recoverTransactions(log: Log, now = Date.now(), states: TxnState[] = listTransactionStates(log.dir)): number {
  const alive = ownerAliveIn(log.dir)
  const topics = topicLookup(log)
  let finished = 0
  for (const listed of states) {
    if (outcomeOf(listed, now, alive) === undefined) {
      expireIdle(log.dir, listed, now, alive)
      continue
    }
    if (outcomeOf(listed, now, alive) === undefined || outcomeOf(listed, now, alive) === 'open') continue
    const files = new TransactionFiles(log.dir, listed.transactionalId)
    files.withLock(() => {
      const clock = Date.now()
      const state = files.read()
      if (state === undefined) return
      const outcome = outcomeOf(state, clock, alive)
      if (outcome === 'committed') completeTransaction(files, state, 'COMMIT', topics)
      // An Ongoing transaction aborted here (timed out, or its producer died) gets the next epoch, as
      // Kafka's coordinator bumps it: a producer still running is fenced (its EndTxn, appends and
      // offsets are refused) instead of starting its next transaction as if nothing happened.
      else if (outcome === 'aborted') completeTransaction(files, state, 'ABORT', topics, state.state === 'Ongoing' && state.producerEpoch < MAX_EPOCH ? state.producerEpoch + 1 : state.producerEpoch)
      else return
      finished++
    })
  }
  return finished
}

/** Kafka's transactional.id.expiration.ms default: an id unused this long is forgotten. */
export const TRANSACTIONAL_ID_EXPIRATION_MS = 7 * 24 * 3600 * 1000

/** Removes the state of an id with nothing pending, no live producer, and no change for the expiration time. */
function expireIdle(logDir: string, listed: TxnState, now: number, alive: (state: TxnState) => boolean): void {
  if (alive(listed)) return
  const files = new TransactionFiles(logDir, listed.transactionalId)
  const mtimeMs = fs.statSync(files.stateFile, {throwIfNoEntry: false})?.mtimeMs
  if (mtimeMs === undefined || now - mtimeMs < TRANSACTIONAL_ID_EXPIRATION_MS) return
  files.withLock(() => {
    const state = files.read()
    if (state !== undefined && outcomeOf(state, Date.now(), alive) === undefined && !alive(state)) fs.rmSync(files.stateFile, {force: true})
  })
}

/**
 * Before a group member starts from its committed offsets: no transaction may hold offsets of those
 * partitions undecided (Kafka's OffsetFetch answers UNSTABLE_OFFSET_COMMIT then, KIP-447). Finishes
 * decided ones; returns the ids of transactions still open that hold such offsets (the caller waits
 * and asks again).
 */
export function settleGroupOffsets(log: Log, group: string, partitions: Array<{topic: string; partition: number}>): string[] {
  recoverTransactions(log)
  const wanted = new Set(partitions.map((p) => `${p.topic}:${p.partition}`))
  const blocking: string[] = []
  const now = Date.now()
  const alive = ownerAliveIn(log.dir)
  for (const state of listTransactionStates(log.dir)) {
    if (outcomeOf(state, now, alive) !== 'open') continue
    const byTopic = state.offsets[group]
    if (byTopic === undefined) continue
    if (Object.entries(byTopic).some(([topic, ps]) => Object.keys(ps).some((p) => wanted.has(`${topic}:${p}`)))) blocking.push(state.transactionalId)
  }
  return blocking
}


export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000
const MAX_EPOCH = 32_767

/**
 * A group member's identity, checked at commit so a member that lost its partitions cannot commit
 * their offsets: the member must still be in the group and own each partition, claimed in the
 * generation given in `claims` ("topic:partition" → generation), as GroupMember's own commits are fenced.
 */
export interface GroupFence {
  memberId: string
  claims: Record<string, number>
}

export function fencedError(id: string, detail: string): StromError {
  return new StromError('PRODUCER_FENCED', `transactional producer '${id}' was fenced: ${detail}`, {
    hint: 'another producer with the same transactional id took over (or the transaction timed out); this one must stop, its open transaction is aborted',
  })
}

export interface ProducerSession {
  transactionalId: string
  producerId: number
  producerEpoch: number
  timeoutMs: number
  /** The liveness token of this epoch, held while the producer lives (released by close or by death). */
  alive: FileLock
}

export type EndOutcome = 'committed' | 'aborted' | 'empty' | 'timed out' | {lost: string}

/**
 * The transaction coordinator's operations on a log directory, used by the in-process
 * TransactionalProducer and by `strom serve` for Kafka clients (InitProducerId, AddPartitionsToTxn,
 * TxnOffsetCommit, EndTxn). Each runs under the id's lock; lock order is always the id's lock, then
 * a group's or a partition's lock (never the reverse), so they cannot deadlock.
 */
export class TransactionCoordinator {
  /** `sync`: fsync every state write (see TransactionFiles.durable). */
  constructor(readonly log: Log, private readonly options: {sync?: boolean} = {}) {}

  files(transactionalId: string): TransactionFiles {
    const files = new TransactionFiles(this.log.dir, transactionalId)
    files.durable = this.options.sync === true
    return files
  }

  /**
   * InitProducerId: finishes the previous producer's work (fencing it), bumps the epoch, takes the
   * epoch's liveness token. `expected` (KIP-360, a producer re-initialising itself): only if the id
   * is still that producer id and epoch, else PRODUCER_FENCED.
   */
  initProducer(transactionalId: string, timeoutMs = DEFAULT_TRANSACTION_TIMEOUT_MS, expected?: {producerId: number; producerEpoch: number}): ProducerSession {
    const files = this.files(transactionalId)
    return files.withLock(() => {
      let previous = files.read()
      if (expected !== undefined && (previous === undefined || previous.producerId !== expected.producerId || previous.producerEpoch !== expected.producerEpoch)) {
        throw fencedError(transactionalId, `producer ${expected.producerId} epoch ${expected.producerEpoch} is no longer current${previous === undefined ? '' : ` (producer ${previous.producerId} epoch ${previous.producerEpoch})`}`)
      }
      const topics = topicLookup(this.log)
      let epoch = 0
      let producerId = crypto.randomInt(1, 2 ** 46)
      if (previous !== undefined) {
        producerId = previous.producerId
        epoch = previous.producerEpoch + 1
        if (epoch > MAX_EPOCH) {
          producerId = crypto.randomInt(1, 2 ** 46)
          epoch = 0
        }
        if (previous.state === 'PrepareCommit') previous = completeTransaction(files, previous, 'COMMIT', topics)
        // The bumped epoch on the ABORT markers fences the old producer in each partition too.
        else if (previous.state === 'Ongoing' || previous.state === 'PrepareAbort') previous = completeTransaction(files, previous, 'ABORT', topics, previous.producerId === producerId ? epoch : previous.producerEpoch)
      }
      const alive = new FileLock(files.aliveFile(epoch))
      // BUSY, not fenced: nothing fenced this caller, a retry succeeds (Kafka's CONCURRENT_TRANSACTIONS).
      if (!alive.tryAcquire()) throw new StromError('BUSY', `the liveness token ${files.aliveFile(epoch)} is held by another process`, {hint: 'two producers initialised the same transactional id at once; retry'})
      files.write({transactionalId, producerId, producerEpoch: epoch, timeoutMs, state: 'Empty', startedMs: 0, partitions: {}, offsets: {}})
      removeStaleTokens(files, epoch)
      return {transactionalId, producerId, producerEpoch: epoch, timeoutMs, alive}
    })
  }

  /**
   * Forgets a transactional id whose producer is done with it for good (a `strom process` member's
   * own id at its clean exit): its state file goes if no transaction is pending. The id's directory
   * and LOCK stay (lock files are never deleted).
   */
  forget(transactionalId: string, producer: {producerId: number; producerEpoch: number}): void {
    const files = this.files(transactionalId)
    files.withLock(() => {
      const state = files.read()
      if (state === undefined || state.producerEpoch !== producer.producerEpoch || state.producerId !== producer.producerId) return
      if (state.state !== 'Empty' && !state.state.startsWith('Complete')) return
      fs.rmSync(files.stateFile, {force: true})
    })
  }

  /**
   * Takes over the liveness token of a producer nobody holds a token for (the process that held it,
   * a `strom serve`, restarted while its client lives on). Only between transactions: an Ongoing
   * transaction already counts as aborted to every reader, so it is aborted now, with the next
   * epoch, fencing the producer (as recoverTransactions would); a decided one is finished first.
   * Undefined when there is nothing to take over (another epoch is current, or the token is held).
   */
  resumeProducer(transactionalId: string, producer: {producerId: number; producerEpoch: number}): ProducerSession | undefined {
    const files = this.files(transactionalId)
    return files.withLock(() => {
      let state = files.read()
      if (state === undefined || state.producerId !== producer.producerId || state.producerEpoch !== producer.producerEpoch || files.ownerAlive(state.producerEpoch)) return undefined
      const topics = topicLookup(this.log)
      if (state.state === 'Ongoing' || state.state === 'PrepareAbort') {
        completeTransaction(files, state, 'ABORT', topics, state.state === 'Ongoing' && state.producerEpoch < MAX_EPOCH ? state.producerEpoch + 1 : state.producerEpoch)
        return undefined
      }
      if (state.state === 'PrepareCommit') state = completeTransaction(files, state, 'COMMIT', topics)
      const alive = new FileLock(files.aliveFile(state.producerEpoch))
      if (!alive.tryAcquire()) return undefined
      return {transactionalId, producerId: state.producerId, producerEpoch: state.producerEpoch, timeoutMs: state.timeoutMs, alive}
    })
  }

  /** Caller holds the id's lock: the state, if it is still this producer's epoch. */
  private currentLocked(files: TransactionFiles, producer: {producerId: number; producerEpoch: number}): TxnState {
    const state = files.read()
    if (state === undefined || state.producerId !== producer.producerId || state.producerEpoch !== producer.producerEpoch) {
      throw fencedError(files.transactionalId, `its epoch ${producer.producerEpoch} is no longer current${state === undefined ? '' : ` (epoch ${state.producerEpoch})`}`)
    }
    return state
  }

  /** AddPartitionsToTxn: each partition joins with its end offset now as the transaction's lower bound there. */
  addPartitions(transactionalId: string, producer: {producerId: number; producerEpoch: number}, partitions: Array<{topic: Topic; partition: number}>): void {
    const files = this.files(transactionalId)
    files.withLock(() => {
      const state = ongoing(this.currentLocked(files, producer))
      for (const {topic, partition} of partitions) {
        const reader = topic.reader(partition)
        reader.refreshSegmentBases()
        ;(state.partitions[topic.name] ??= {})[String(partition)] ??= reader.endOffset()
      }
      files.write(state)
    })
  }

  /** TxnOffsetCommit: these offsets commit with the transaction, and only then. */
  addOffsets(transactionalId: string, producer: {producerId: number; producerEpoch: number}, group: string, offsets: OffsetCommit[]): void {
    const files = this.files(transactionalId)
    files.withLock(() => {
      const state = ongoing(this.currentLocked(files, producer))
      const byTopic = (state.offsets[group] ??= {})
      for (const o of offsets) (byTopic[o.topic] ??= {})[String(o.partition)] = {offset: o.offset, metadata: o.metadata ?? ''}
      files.write(state)
    })
  }

  /**
   * The check a transactional batch passes under its partition's write lock: the state still names
   * this epoch as writing this partition. Another epoch: PRODUCER_FENCED. This epoch, but no open
   * transaction with this partition in it (never added, or the transaction ended): INVALID_TXN_STATE,
   * Kafka's answer to such a batch.
   */
  appendCheck(transactionalId: string, producer: {producerId: number; producerEpoch: number}, topic: string, partition: number): () => void {
    const files = this.files(transactionalId)
    return () => {
      const state = files.read()
      if (state === undefined || state.producerEpoch !== producer.producerEpoch || state.producerId !== producer.producerId) {
        throw fencedError(transactionalId, `the transaction state no longer names epoch ${producer.producerEpoch} as writing ${topic}/${partition}`)
      }
      if (state.state !== 'Ongoing' || state.partitions[topic]?.[String(partition)] === undefined) {
        throw new StromError('INVALID_TXN_STATE', `transactional producer '${transactionalId}' wrote to ${topic}/${partition} outside its transaction (state ${state.state}${state.state === 'Ongoing' ? ', partition not added' : ''})`, {
          hint: 'a transactional batch must belong to an open transaction that the partition was added to (AddPartitionsToTxn)',
        })
      }
    }
  }

  /**
   * EndTxn. Commit: checks the timeout and, when given, that each group member still owns the
   * partitions whose offsets it commits (KIP-447), writes PrepareCommit (the commit point), then
   * completes; a failed check aborts instead. Abort: PrepareAbort, then completes.
   */
  endTransaction(transactionalId: string, producer: {producerId: number; producerEpoch: number}, commit: boolean, fences: Array<{group: string; fence: GroupFence}> = [], offsets: Array<{group: string; offsets: OffsetCommit[]}> = []): EndOutcome {
    const files = this.files(transactionalId)
    return files.withLock(() => {
      let state = this.currentLocked(files, producer)
      // Offsets given here go into the PrepareCommit write itself (one write fewer than TxnOffsetCommit).
      if (commit && offsets.some((o) => o.offsets.length > 0)) {
        state = ongoing(state)
        for (const {group, offsets: list} of offsets) {
          const byTopic = (state.offsets[group] ??= {})
          for (const o of list) (byTopic[o.topic] ??= {})[String(o.partition)] = {offset: o.offset, metadata: o.metadata ?? ''}
        }
      }
      if (state.state !== 'Ongoing') return 'empty'
      const topics = topicLookup(this.log)
      if (!commit) {
        completeTransaction(files, {...state, state: 'PrepareAbort'}, 'ABORT', topics)
        return 'aborted'
      }
      if (outcomeOf(state, Date.now(), () => true) === 'aborted') {
        completeTransaction(files, {...state, state: 'PrepareAbort'}, 'ABORT', topics)
        return 'timed out'
      }
      const lost = lostPartitions(this.log.dir, state, fences)
      if (lost !== undefined) {
        completeTransaction(files, {...state, state: 'PrepareAbort'}, 'ABORT', topics)
        return {lost}
      }
      const prepared: TxnState = {...state, state: 'PrepareCommit'}
      files.write(prepared)
      completeTransaction(files, prepared, 'COMMIT', topics)
      return 'committed'
    })
  }
}

function ongoing(state: TxnState): TxnState {
  if (state.state === 'Ongoing') return state
  return {...state, state: 'Ongoing', startedMs: Date.now(), partitions: {}, offsets: {}}
}

/** KIP-447: a member that no longer owns a partition whose offsets the transaction commits must not commit. */
function lostPartitions(logDir: string, state: TxnState, fences: Array<{group: string; fence: GroupFence}>): string | undefined {
  for (const {group, fence} of fences) {
    const byTopic = state.offsets[group] ?? {}
    const partitions = Object.entries(byTopic).flatMap(([topic, ps]) => Object.keys(ps).map((p) => `${topic}:${p}`))
    const store = new GroupStore(logDir, group)
    const groupState = store.withLock(() => store.readState())
    if (!(fence.memberId in groupState.members)) return `member ${fence.memberId} is no longer in group '${group}'`
    for (const tp of partitions) {
      const owner = groupState.owned[tp]
      if (owner === undefined || owner.member !== fence.memberId || owner.generation !== fence.claims[tp]) {
        return `partition ${tp} is no longer owned by member ${fence.memberId} of group '${group}'${owner === undefined ? '' : ` (owner: ${owner.member}, generation ${owner.generation})`}`
      }
    }
  }
  return undefined
}

/** Liveness tokens of earlier epochs nobody holds any more. */
function removeStaleTokens(files: TransactionFiles, current: number): void {
  for (const name of fs.readdirSync(files.dir)) {
    const match = /^alive-(\d+)$/.exec(name)
    if (match === null || Number(match[1]) === current) continue
    if (!files.ownerAlive(Number(match[1]))) fs.rmSync(path.join(files.dir, name), {force: true})
  }
}
