/**
 * What a read_committed reader may see of a partition (Kafka's isolation.level=read_committed):
 * records below the last stable offset (LSO), minus the transactional batches of aborted
 * transactions, minus control batches.
 *
 * A transaction's outcome, as every reader judges it from its state file (the clock is read BEFORE
 * the file, so a commit written in time is always seen):
 * - PrepareCommit: committed (the decision is durable; markers may still be on their way);
 * - PrepareAbort: aborted;
 * - Ongoing: open while its producer lives and its timeout has not passed; aborted once the
 *   producer is dead (its liveness token is free) or the timeout passed. A commit after that is
 *   refused (TransactionalProducer checks the same clock under the same lock), so this judgement
 *   never changes, and readers never write: the abort markers are written later by whoever takes
 *   the transactional id next, or by `strom log clean` (recoverTransactions).
 * The LSO of a partition is the lowest first offset of its open transactions, else its end offset.
 * Aborted transactions come from the `.txnindex` files (markers written) and from the states above
 * (markers not yet written).
 */
import path from 'node:path'
import {segmentPrefix} from '../format/segment-files.js'
import {MarkerType, batchTxnInfo, markerTypeAt} from './control-batch.js'
import {AbortedTxn, TXN_INDEX_SUFFIX, readTxnIndex} from './txn-index.js'
import {TxnState, aliveFileOf, listTransactionStates} from './txn-store.js'
import {isLockedElsewhere} from '../io/file-lock.js'
import {BATCH, readInt64} from '../format/record-batch.js'

export type IsolationLevel = 'read_uncommitted' | 'read_committed'
export type TxnOutcome = 'open' | 'committed' | 'aborted'

/** A transaction's outcome now, or undefined when it has nothing pending. */
export function outcomeOf(state: TxnState, now: number, ownerAlive: (state: TxnState) => boolean): TxnOutcome | undefined {
  switch (state.state) {
    case 'PrepareCommit':
      return 'committed'
    case 'PrepareAbort':
      return 'aborted'
    case 'Ongoing':
      if (now > state.startedMs + state.timeoutMs) return 'aborted'
      return ownerAlive(state) ? 'open' : 'aborted'
    default:
      return undefined
  }
}

export function ownerAliveIn(logDir: string): (state: TxnState) => boolean {
  return (state) => isLockedElsewhere(aliveFileOf(logDir, state.transactionalId, state.producerEpoch))
}


export interface PendingTxn {
  producerId: number
  firstOffset: number
  outcome: TxnOutcome
}

/** Every transaction with something pending, per "topic:partition" (one listing of the states). */
export class TransactionsView {
  private readonly byPartition = new Map<string, PendingTxn[]>()

  /** `states`: the listing to judge (a cached one, TransactionStatesCache), by default read now. */
  constructor(readonly logDir: string, now = Date.now(), states?: () => TxnState[]) {
    // Clock first, then the files: see the header.
    const alive = ownerAliveIn(logDir)
    for (const state of states?.() ?? listTransactionStates(logDir)) {
      const outcome = outcomeOf(state, now, alive)
      if (outcome === undefined) continue
      for (const [topic, partitions] of Object.entries(state.partitions)) {
        for (const [partition, firstOffset] of Object.entries(partitions)) {
          const key = `${topic}:${partition}`
          let list = this.byPartition.get(key)
          if (list === undefined) this.byPartition.set(key, (list = []))
          list.push({producerId: state.producerId, firstOffset, outcome})
        }
      }
    }
  }

  pending(topic: string, partition: number): PendingTxn[] {
    return this.byPartition.get(`${topic}:${partition}`) ?? []
  }

  /** The partition's last stable offset given its end offset (high watermark). */
  lastStableOffset(topic: string, partition: number, endOffset: number): number {
    let lso = endOffset
    for (const txn of this.pending(topic, partition)) if (txn.outcome === 'open') lso = Math.min(lso, txn.firstOffset)
    return lso
  }
}

/**
 * Aborted transactions of a partition overlapping [from, to): the `.txnindex` entries of the
 * segments from the one holding `from` on, plus the decided-but-unmarked aborts of the view.
 * Sorted by firstOffset, as Kafka's fetch answers list them.
 */
export function abortedTransactions(partitionDir: string, segmentBases: number[], view: TransactionsView, topic: string, partition: number, from: number, to: number): AbortedTxn[] {
  const out: AbortedTxn[] = []
  let first = 0
  for (let i = 0; i < segmentBases.length; i++) if (segmentBases[i] <= from) first = i
  for (let i = first; i < segmentBases.length; i++) {
    if (segmentBases[i] >= to && i > first) break
    for (const entry of readTxnIndex(path.join(partitionDir, segmentPrefix(segmentBases[i]) + TXN_INDEX_SUFFIX))) {
      if (entry.lastOffset >= from && entry.firstOffset < to) out.push(entry)
    }
  }
  for (const txn of view.pending(topic, partition)) {
    if (txn.outcome === 'aborted' && txn.firstOffset < to) out.push({producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: Number.MAX_SAFE_INTEGER, lastStableOffset: to})
  }
  return out.sort((a, b) => a.firstOffset - b.firstOffset)
}

/**
 * Kafka's consumer-side filter (Fetcher's abortedProducerIds): batches are offered in offset order;
 * a producer becomes "aborted" once a batch reaches its aborted transaction's first offset, its
 * transactional batches are skipped until its ABORT marker. Control batches are always skipped.
 */
export class AbortedFilter {
  private next = 0
  private readonly abortedProducers = new Set<number>()
  private readonly aborted: Array<{producerId: number; firstOffset: number}>

  /** `aborted`: the aborted transactions of the range read, in any order (a fetch answer's list, or abortedTransactions()). */
  constructor(aborted: Array<{producerId: number; firstOffset: number}>) {
    this.aborted = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset)
  }

  /** Whether the batch at buf[at] is to be skipped. */
  skip(buf: Buffer, at: number): boolean {
    const info = batchTxnInfo(buf, at)
    const lastOffset = readInt64(buf, at + BATCH.baseOffset) + buf.readInt32BE(at + BATCH.lastOffsetDelta)
    while (this.next < this.aborted.length && this.aborted[this.next].firstOffset <= lastOffset) {
      this.abortedProducers.add(this.aborted[this.next].producerId)
      this.next++
    }
    if (info.control) {
      const type: MarkerType | undefined = markerTypeAt(buf, at)
      if (type === 'ABORT') this.abortedProducers.delete(info.producerId)
      return true
    }
    return info.transactional && this.abortedProducers.has(info.producerId)
  }
}
