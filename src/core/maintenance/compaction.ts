/**
 * Log compaction (`cleanup.policy=compact` or `compact,delete`), after Kafka's LogCleaner: keeps
 * the latest record of each key in the closed segments, never touches the active segment, keeps
 * offsets (gaps are normal) and order, drops keyless records, and drops tombstones once past their
 * delete horizon (batch-filter.ts). Small adjacent segments are merged while the result stays
 * under segment.bytes; each merged group is written beside the old files and swapped in
 * atomically (segment-swap.ts).
 *
 * Transactions (txn-cleaning.ts): only segments below the first unstable offset are cleaned, the
 * records of aborted transactions are removed, markers and transactional batches are kept as such.
 *
 * It runs on demand (`strom log compact`) and after a roll when the dirty ratio — bytes of closed
 * segments not yet compacted over all closed bytes, the split kept in `cleaner-offset-checkpoint`
 * — passes `min.cleanable.dirty.ratio`. The whole job holds the cleaner lock; the write lock is
 * taken only to see which segment is active and for each swap, so producers are not held up.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BATCH, RecordCursor} from '../format/record-batch.js'
import {Segment} from '../segment/segment.js'
import {SegmentIndexBuilder} from '../segment/index-builder.js'
import {fsyncDirectory, writeFileAtomic} from '../io/atomic-file.js'
import {listSegmentBases} from '../partition/partition-files.js'
import type {TruncationReport} from '../partition/recovery.js'
import {createEmptySegment, recoverPartitionLocked} from '../partition/recovery.js'
import {FilterStats, filterBatch} from './batch-filter.js'
import {PartitionRef, describeRef, withCleanerLock, withWriteLock} from './partition-ref.js'
import {forEachBatch} from './segment-batches.js'
import {swapInLocked} from './segment-swap.js'
import {abortedTxnsOf, firstUnstableOffset, isAbortedBatch, mergedTxnIndex} from './txn-cleaning.js'
import type {AbortedTxn} from '../txn/txn-index.js'

export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint'
const cursor = new RecordCursor()

export interface CompactionResult extends FilterStats {
  topic: string
  partition: number
  compacted: boolean
  /** Why nothing was done, when nothing was. */
  skipped?: string
  dirtyRatio: number
  segmentsBefore: number
  segmentsAfter: number
  bytesBefore: number
  bytesAfter: number
  truncation?: TruncationReport
}

export function isCompacted(policy: string): boolean {
  return policy.split(',').includes('compact')
}

export function readCleanerCheckpoint(partitionDir: string): number {
  try {
    const value = Number(fs.readFileSync(path.join(partitionDir, CLEANER_CHECKPOINT_FILE), 'utf8').trim())
    return Number.isSafeInteger(value) && value >= 0 ? value : 0
  } catch {
    return 0
  }
}

/** Dirty bytes over all bytes of the closed segments (0 when there are none). */
export function dirtyRatio(partitionDir: string, closedBases: number[], checkpoint = readCleanerCheckpoint(partitionDir)): {ratio: number; dirtyBytes: number; totalBytes: number} {
  let dirtyBytes = 0
  let totalBytes = 0
  for (const base of closedBases) {
    const size = new Segment(partitionDir, base).logSize()
    totalBytes += size
    if (base >= checkpoint) dirtyBytes += size
  }
  return {ratio: totalBytes === 0 ? 0 : dirtyBytes / totalBytes, dirtyBytes, totalBytes}
}

export interface CompactionOptions {
  /** Compact even when the dirty ratio is below min.cleanable.dirty.ratio (`strom log compact`). */
  force?: boolean
  nowMs?: number
  /** Do not wait for another cleaner: skip the partition instead (the after-roll hook). */
  noWait?: boolean
  /** Close a non-empty active segment first, so everything produced so far gets compacted (`strom log compact`). */
  roll?: boolean
}

export function compactPartition(ref: PartitionRef, options: CompactionOptions = {}): CompactionResult {
  const result: CompactionResult = {
    topic: ref.topic, partition: ref.partition, compacted: false, dirtyRatio: 0, segmentsBefore: 0, segmentsAfter: 0, bytesBefore: 0, bytesAfter: 0,
    recordsIn: 0, recordsOut: 0, tombstonesRemoved: 0, keylessRemoved: 0, abortedRemoved: 0,
  }
  if (!isCompacted(ref.config.cleanupPolicy)) return {...result, skipped: `cleanup.policy is ${ref.config.cleanupPolicy}`}
  const done = withCleanerLock(ref.partitionDir, () => compactLocked(ref, options, result), {wait: !options.noWait})
  return done ?? {...result, skipped: 'another cleaner is working on this partition'}
}

function compactLocked(ref: PartitionRef, options: CompactionOptions, result: CompactionResult): CompactionResult {
  const dir = ref.partitionDir
  const {bases, endOffset} = withWriteLock(dir, () => {
    const recovered = recoverPartitionLocked(dir, ref.config.indexIntervalBytes)
    result.truncation = recovered.truncation
    if (options.roll && recovered.activeSizeBytes > 0) {
      createEmptySegment(dir, recovered.nextOffset)
      fsyncDirectory(dir)
    }
    return {bases: listSegmentBases(dir), endOffset: recovered.nextOffset}
  })
  // Read after the end offset: a transaction with data below that end is pending in the states now
  // read, or has its markers (and .txnindex entries) written already.
  const unstable = firstUnstableOffset(ref.logDir, ref.topic, ref.partition, endOffset)
  // Closed segments wholly below the first unstable offset (the active segment is never cleaned).
  const closed = bases.slice(0, -1).filter((_, i) => bases[i + 1] <= unstable)
  const cleanedUpTo = bases[closed.length]
  const dirty = dirtyRatio(dir, closed)
  result.dirtyRatio = dirty.ratio
  result.segmentsBefore = closed.length
  result.bytesBefore = dirty.totalBytes
  if (closed.length === 0) {
    return {...result, skipped: bases.length > 1 ? `no closed segment below offset ${unstable}, where a transaction not yet complete begins` : 'no closed segment (the active segment is never compacted)'}
  }
  if (!options.force && (dirty.dirtyBytes === 0 || dirty.ratio <= ref.config.minCleanableDirtyRatio)) {
    return {...result, skipped: `dirty ratio ${dirty.ratio.toFixed(2)} is not above min.cleanable.dirty.ratio ${ref.config.minCleanableDirtyRatio}`}
  }
  const nowMs = options.nowMs ?? Date.now()
  // Markers of transactions with data in the cleaned segments may lie in any later segment.
  const aborted = abortedTxnsOf(dir, bases)
  const latest = buildKeyMap(ref, closed, aborted)
  const isLatest = (key: Buffer, offset: number) => latest.get(key.toString('latin1')) === offset
  for (const group of groupSegments(dir, closed, ref.config.segmentBytes)) {
    const bytes = writeCleanedSegment(ref, group, isLatest, aborted, nowMs, result)
    withWriteLock(dir, () => swapInLocked(dir, group[0], group))
    result.segmentsAfter++
    result.bytesAfter += bytes
  }
  writeFileAtomic(path.join(dir, CLEANER_CHECKPOINT_FILE), `${cleanedUpTo}\n`)
  result.compacted = true
  return result
}

/**
 * The offset of the latest record of each key in the closed segments, aborted transactions' records
 * left out (they are removed, so they supersede nothing). Keys are held as latin1 strings (exact bytes).
 */
function buildKeyMap(ref: PartitionRef, closed: number[], aborted: AbortedTxn[]): Map<string, number> {
  const latest = new Map<string, number>()
  for (const base of closed) {
    forEachBatch(new Segment(ref.partitionDir, base).paths.log, (batch) => {
      if ((batch.readInt16BE(BATCH.attributes) & 0x20) !== 0 || isAbortedBatch(aborted, batch)) return
      cursor.reset(batch, 0)
      while (cursor.next()) {
        const key = cursor.key()
        if (key !== null) latest.set(key.toString('latin1'), cursor.offset)
      }
    }, {where: `${describeRef(ref)} segment ${base}`})
  }
  return latest
}

/** Consecutive segments merged while their total size stays within segment.bytes (Kafka's groupSegmentsBySize). */
function groupSegments(dir: string, closed: number[], maxBytes: number): number[][] {
  const groups: number[][] = []
  let current: number[] = []
  let currentBytes = 0
  for (const base of closed) {
    const size = new Segment(dir, base).logSize()
    if (current.length > 0 && currentBytes + size > maxBytes) {
      groups.push(current)
      current = []
      currentBytes = 0
    }
    current.push(base)
    currentBytes += size
  }
  if (current.length > 0) groups.push(current)
  return groups
}

/** Writes `<group[0]>.*.cleaned` (log, offset index, time index) and fsyncs them; returns the new log size. */
function writeCleanedSegment(ref: PartitionRef, group: number[], isLatest: (key: Buffer, offset: number) => boolean, aborted: AbortedTxn[], nowMs: number, stats: FilterStats): number {
  const base = group[0]
  const out = new Segment(ref.partitionDir, base).cleanedPaths()
  const fd = openNew(out.log)
  // Same cadence as the writer and rebuildIndexes: an entry per index.interval.bytes.
  const indexes = new SegmentIndexBuilder(base, ref.config.indexIntervalBytes)
  let position = 0
  try {
    for (const segment of group) {
      forEachBatch(new Segment(ref.partitionDir, segment).paths.log, (batch, info) => {
        if (isAbortedBatch(aborted, batch)) {
          const count = batch.readInt32BE(BATCH.recordsCount)
          stats.recordsIn += count
          stats.abortedRemoved += count
          return
        }
        const kept = filterBatch(batch, isLatest, nowMs, ref.config.deleteRetentionMs, stats)
        if (kept === undefined) return
        writeAll(fd, kept, position)
        indexes.add({position, lastOffset: info.lastOffset, maxTimestamp: info.maxTimestamp})
        position += kept.length
      }, {where: `${describeRef(ref)} segment ${segment}`})
    }
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  const built = indexes.finish()
  writeSynced(out.index, built.index)
  writeSynced(out.timeIndex, built.timeIndex)
  // The merged segment holds the group's markers, so it takes their .txnindex entries (swapped in with it).
  const txnIndex = mergedTxnIndex(ref.partitionDir, group)
  if (txnIndex.length > 0) writeSynced(out.txnIndex, txnIndex)
  return position
}

function writeAll(fd: number, data: Buffer, position: number): void {
  let done = 0
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done)
}

/** Creates (or empties) a `.cleaned` file, never through a symlink planted in its place. */
function openNew(file: string): number {
  return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644)
}

function writeSynced(file: string, content: Buffer): void {
  const fd = openNew(file)
  try {
    writeAll(fd, content, 0)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}
