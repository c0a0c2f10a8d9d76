/**
 * What compaction must respect of transactions (Kafka's LogCleaner rules):
 * - nothing at or above the first offset of a transaction that has no marker yet in the partition
 *   is cleaned (Kafka's firstUnstableOffset: its outcome may still change which record of a key is
 *   the latest), so only closed segments wholly below it are cleanable;
 * - the records of aborted transactions are removed (found through the `.txnindex` entries: a
 *   producer's transactional batches from the entry's firstOffset up to its ABORT marker);
 * - markers stay, transactional batches stay transactional batches of their producer (batch-filter
 *   keeps the header), and the `.txnindex` entries of merged segments move with their markers.
 */
import path from 'node:path'
import {BATCH, readInt64} from '../format/record-batch.js'
import {segmentPrefix} from '../format/segment-files.js'
import {batchTxnInfo} from '../txn/control-batch.js'
import {TransactionsView} from '../txn/isolation.js'
import {AbortedTxn, TXN_INDEX_SUFFIX, encodeAbortedTxn, readTxnIndex} from '../txn/txn-index.js'

/**
 * The offset compaction must stay below: the lowest first offset of the partition's transactions
 * still pending (open, or decided but without their markers), else the end offset.
 */
export function firstUnstableOffset(logDir: string, topic: string, partition: number, endOffset: number): number {
  let limit = endOffset
  for (const txn of new TransactionsView(logDir).pending(topic, partition)) limit = Math.min(limit, txn.firstOffset)
  return limit
}

/** The aborted transactions whose markers are in these segments. */
export function abortedTxnsOf(partitionDir: string, bases: number[]): AbortedTxn[] {
  return bases.flatMap((base) => readTxnIndex(txnIndexPath(partitionDir, base)))
}

/** Whether the batch at buf[at] holds records of an aborted transaction (markers never do). */
export function isAbortedBatch(aborted: AbortedTxn[], buf: Buffer, at = 0): boolean {
  const info = batchTxnInfo(buf, at)
  if (!info.transactional || info.control) return false
  const baseOffset = readInt64(buf, at + BATCH.baseOffset)
  return aborted.some((t) => t.producerId === info.producerId && t.firstOffset <= baseOffset && baseOffset < t.lastOffset)
}

/** The `.txnindex` of a segment merged from `group`: their entries in order (empty: no file is needed). */
export function mergedTxnIndex(partitionDir: string, group: number[]): Buffer {
  return Buffer.concat(abortedTxnsOf(partitionDir, group).map((entry) => encodeAbortedTxn(entry)))
}

export function txnIndexPath(partitionDir: string, base: number): string {
  return path.join(partitionDir, segmentPrefix(base) + TXN_INDEX_SUFFIX)
}
