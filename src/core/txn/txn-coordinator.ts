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
import {outcomeOf, ownerAliveIn, TransactionsView} from './isolation.js'
import {TXN_INDEX_SUFFIX, appendAbortedTxn} from './txn-index.js'
import {TransactionFiles, TxnState, listTransactionStates} from './txn-store.js'

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
export function recoverTransactions(log: Log, now = Date.now()): number {
  const alive = ownerAliveIn(log.dir)
  const topics = topicLookup(log)
  let finished = 0
  for (const listed of listTransactionStates(log.dir)) {
    if (outcomeOf(listed, now, alive) === undefined || outcomeOf(listed, now, alive) === 'open') continue
    const files = new TransactionFiles(log.dir, listed.transactionalId)
    files.withLock(() => {
      const clock = Date.now()
      const state = files.read()
      if (state === undefined) return
      const outcome = outcomeOf(state, clock, alive)
      if (outcome === 'committed') completeTransaction(files, state, 'COMMIT', topics)
      else if (outcome === 'aborted') completeTransaction(files, state, 'ABORT', topics)
      else return
      finished++
    })
  }
  return finished
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

export {TransactionsView}
