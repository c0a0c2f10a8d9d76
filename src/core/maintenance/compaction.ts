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
 * taken only to see which segment is active and for each swap's renames, so producers are not held up.
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
import {FilterStats, IsLatest, filterBatch} from './batch-filter.js'
import {PartitionRef, describeRef, withCleanerLock, withWriteLock} from './partition-ref.js'
import {forEachBatch} from './segment-batches.js'
import {recoverInterruptedMaintenanceLocked, swapIn} from './segment-swap.js'
import {KeyOffsetMap} from './key-offset-map.js'
import {abortedTxnsOf, firstUnstableOffset, isAbortedBatch, mergedTxnIndex} from './txn-cleaning.js'
import type {AbortedTxn} from '../txn/txn-index.js'

export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint'
const cursor = new RecordCursor()
/** The most an offset may exceed its segment's base offset: index entries store it in 4 bytes. */
const MAX_RELATIVE_OFFSET = 2 ** 31 - 1

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
  /**
   * Close a non-empty active segment first, so everything produced so far gets compacted (`strom
   * log compact`); the partition is recovered first, as an open would (a torn tail cut, reported).
   */
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
    if (!options.roll) {
      // A pass after a roll needs only the segment list (a swap that a dead cleaner left half done
      // finished first): it reads the closed segments whole, without their indexes, and never
      // touches the active one, so everything below the active segment's base is a safe end. A full
      // recovery (the active tail scanned, new closed segments' indexes checked, the recovery point
      // made durable) would hold every producer of the partition up at every pass.
      recoverInterruptedMaintenanceLocked(dir)
      const listed = listSegmentBases(dir)
      return {bases: listed, endOffset: listed.at(-1) ?? 0}
    }
    const recovered = recoverPartitionLocked(dir, ref.config.indexIntervalBytes)
    result.truncation = recovered.truncation
    if (recovered.activeSizeBytes > 0) {
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
  const {latest, surveys} = surveySegments(ref, closed, aborted)
  const isLatest: IsLatest = (data, keyStart, keyLength, offset) => latest.get(data, keyStart, keyLength) === offset
  markSurvivors(latest, closed, surveys)
  for (const group of groupSegments(dir, closed, cleanedUpTo, surveys, ref.config.segmentBytes)) {
    const bytes = writeCleanedSegment(ref, group, surveys, isLatest, aborted, nowMs, result)
    swapIn(dir, group[0], group)
    result.segmentsAfter++
    result.bytesAfter += bytes
  }
  // Not fsynced: the swaps are durable already, and a checkpoint lost in a crash (older, or empty: 0)
  // only makes the next pass read again what is clean; it can never claim more than was cleaned.
  writeFileAtomic(path.join(dir, CLEANER_CHECKPOINT_FILE), `${cleanedUpTo}\n`, {durable: false})
  result.compacted = true
  return result
}

/** What the first read of a closed segment learns about it, so the second reads only segments that keep something. */
interface SegmentSurvey {
  /** Records in it (those of aborted transactions included; markers not), and those removed whatever the key map says. */
  recordsIn: number
  keylessRemoved: number
  abortedRemoved: number
  /** Control batches (transaction markers) are kept as they are. */
  hasControl: boolean
  /** Holds the latest record of some key (set by markSurvivors once the key map is complete). */
  hasLatest: boolean
}

/**
 * Reads the closed segments once: the offset of the latest record of each key, aborted
 * transactions' records left out (they are removed, so they supersede nothing), and a survey of
 * each segment.
 */
function surveySegments(ref: PartitionRef, closed: number[], aborted: AbortedTxn[]): {latest: KeyOffsetMap; surveys: Map<number, SegmentSurvey>} {
  const latest = new KeyOffsetMap()
  const surveys = new Map<number, SegmentSurvey>()
  for (const base of closed) {
    const survey: SegmentSurvey = {recordsIn: 0, keylessRemoved: 0, abortedRemoved: 0, hasControl: false, hasLatest: false}
    surveys.set(base, survey)
    forEachBatch(new Segment(ref.partitionDir, base).paths.log, (batch) => {
      if ((batch.readInt16BE(BATCH.attributes) & 0x20) !== 0) {
        survey.hasControl = true
        return
      }
      if (isAbortedBatch(aborted, batch)) {
        const count = batch.readInt32BE(BATCH.recordsCount)
        survey.recordsIn += count
        survey.abortedRemoved += count
        return
      }
      cursor.reset(batch, 0)
      while (cursor.next()) {
        survey.recordsIn++
        if (cursor.keyLength >= 0) latest.put(cursor.data, cursor.keyStart, cursor.keyLength, cursor.offset)
        else survey.keylessRemoved++
      }
    }, {where: `${describeRef(ref)} segment ${base}`, transient: true})
  }
  return {latest, surveys}
}

/** Marks the segments that hold some key's latest record: one look per key, not per record. */
function markSurvivors(latest: KeyOffsetMap, closed: number[], surveys: Map<number, SegmentSurvey>): void {
  latest.forEachOffset((offset) => {
    // The last closed segment whose base is at or below the offset.
    let low = 0
    let high = closed.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if (closed[middle] <= offset) low = middle
      else high = middle - 1
    }
    surveys.get(closed[low])!.hasLatest = true
  })
}

const keepsSomething = (survey: SegmentSurvey) => survey.hasLatest || survey.hasControl

/**
 * Consecutive segments merged while what they keep stays within segment.bytes (Kafka's
 * groupSegmentsBySize, which counts segments whole; here a segment that keeps nothing counts 0, so
 * the empty ones a pass leaves behind merge into their neighbours instead of piling up), and while
 * the group's offsets fit the 4-byte relative offsets of its index.
 */
function groupSegments(dir: string, closed: number[], cleanedUpTo: number, surveys: Map<number, SegmentSurvey>, maxBytes: number): number[][] {
  const groups: number[][] = []
  let current: number[] = []
  let currentBytes = 0
  for (let i = 0; i < closed.length; i++) {
    const base = closed[i]
    const size = keepsSomething(surveys.get(base)!) ? new Segment(dir, base).logSize() : 0
    // Every offset of this segment is below the next segment's base.
    const end = i + 1 < closed.length ? closed[i + 1] : cleanedUpTo
    if (current.length > 0 && (currentBytes + size > maxBytes || end - 1 - current[0] > MAX_RELATIVE_OFFSET)) {
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
function writeCleanedSegment(ref: PartitionRef, group: number[], surveys: Map<number, SegmentSurvey>, isLatest: IsLatest, aborted: AbortedTxn[], nowMs: number, stats: FilterStats): number {
  const base = group[0]
  const out = new Segment(ref.partitionDir, base).cleanedPaths()
  const fd = openNew(out.log)
  // Same cadence as the writer and rebuildIndexes: an entry per index.interval.bytes.
  const indexes = new SegmentIndexBuilder(base, ref.config.indexIntervalBytes)
  let position = 0
  try {
    for (const segment of group) {
      const survey = surveys.get(segment)!
      if (!keepsSomething(survey)) {
        // Nothing in it survives: not read again, its records counted as the survey saw them.
        stats.recordsIn += survey.recordsIn
        stats.keylessRemoved += survey.keylessRemoved
        stats.abortedRemoved += survey.abortedRemoved
        continue
      }
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
      }, {where: `${describeRef(ref)} segment ${segment}`, transient: true})
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
