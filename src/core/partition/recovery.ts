/**
 * Recovery of a partition, run by whoever holds its write lock (a producer, or maintenance), never
 * by a reader: readers do not write. Nobody can be appending, so an incomplete LAST batch of the
 * active segment is a torn write from a process that died: it is cut, and the report says which
 * offsets and how many bytes. Damage of any other kind (valid batches after it, a bad CRC, length
 * or magic in a batch that is all there) is corruption of data that was acknowledged: recovery
 * refuses with CORRUPT_SEGMENT and leaves the bytes alone; only `strom log repair` cuts, keeping
 * a copy. Indexes that are missing or disagree with the log are rebuilt by scanning the log.
 *
 * The recovery point is the last offset-index entry of the active segment: index entries are
 * written after their batch, so everything before that position was completely written.
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {Segment, openForWriteNoFollow} from '../segment/segment.js'
import {SegmentIndexBuilder} from '../segment/index-builder.js'
import {writeFileAtomic} from '../io/atomic-file.js'
import {OFFSET_INDEX_ENTRY_SIZE, OffsetIndex} from '../segment/offset-index.js'
import {TIME_INDEX_ENTRY_SIZE} from '../segment/time-index.js'
import {BATCH, BATCH_HEADER_SIZE, readInt64} from '../format/record-batch.js'
import {ScanResult, readFully, scanBatches} from '../segment/batch-scan.js'
import {findNextValidBatch} from '../maintenance/resync.js'
import {assertInsideTopicsDir, listSegmentBases, readLogStartCheckpoint} from './partition-files.js'
import {recoverInterruptedMaintenanceLocked} from '../maintenance/segment-swap.js'
import {truncateTxnIndex} from '../txn/txn-index.js'

export interface TruncationReport {
  segmentBaseOffset: number
  /** First offset that was cut (when the cut bytes had a readable header), else the next offset. */
  fromOffset: number
  bytesCut: number
  reason: string
}

export interface RecoveryResult {
  activeBaseOffset: number
  activeSizeBytes: number
  /** Largest record timestamp after the active segment's last index entry (-Infinity if none). */
  activeMaxTimestamp: number
  nextOffset: number
  truncation?: TruncationReport
  rebuiltIndexes: number[]
}

/** Caller holds the partition's write lock. */
export function recoverPartitionLocked(partitionDir: string, indexIntervalBytes: number): RecoveryResult {
  // A compaction or retention that died mid-way: finish its committed swap, drop its temp files.
  recoverInterruptedMaintenanceLocked(partitionDir)
  let bases = listSegmentBases(partitionDir)
  if (bases.length === 0) {
    const base = readLogStartCheckpoint(partitionDir)
    createEmptySegment(partitionDir, base)
    bases = [base]
  }
  const rebuiltIndexes: number[] = []
  const activeBase = bases[bases.length - 1]
  // Closed segments are checked once, at the first recovery after they were closed, not at every
  // open: the recovery point says where the unchecked ones begin, so an open costs the same
  // however long the history. (Readers never trust an index entry that does not point at a batch,
  // so an index damaged later only costs them a scan.)
  const checkedBelow = readRecoveryPoint(partitionDir)
  let checked = false
  for (const base of bases.slice(0, -1)) {
    if (base < checkedBelow) continue
    checked = true
    if (!closedSegmentIndexesAreSound(partitionDir, base)) {
      rebuildIndexes(partitionDir, base, indexIntervalBytes)
      rebuiltIndexes.push(base)
    }
  }
  if (checked || checkedBelow > activeBase) writeFileAtomic(path.join(partitionDir, RECOVERY_POINT_FILE), `${activeBase}\n`)
  const active = recoverActiveSegment(partitionDir, activeBase, indexIntervalBytes)
  if (active.rebuilt) rebuiltIndexes.push(activeBase)
  return {activeBaseOffset: activeBase, activeSizeBytes: active.sizeBytes, nextOffset: active.nextOffset, activeMaxTimestamp: active.maxTimestamp, truncation: active.truncation, rebuiltIndexes}
}

/**
 * `recovery-point`: one decimal base offset, written atomically. Every closed segment below it has
 * had its indexes checked (and rebuilt when unsound) since it was closed.
 */
export const RECOVERY_POINT_FILE = 'recovery-point'

function readRecoveryPoint(partitionDir: string): number {
  try {
    const value = Number(fs.readFileSync(path.join(partitionDir, RECOVERY_POINT_FILE), 'utf8').trim())
    return Number.isSafeInteger(value) && value >= 0 ? value : 0
  } catch {
    return 0
  }
}

export function createEmptySegment(partitionDir: string, baseOffset: number): void {
  assertInsideTopicsDir(partitionDir)
  new Segment(partitionDir, baseOffset).createEmpty()
}

function recoverActiveSegment(partitionDir: string, base: number, indexIntervalBytes: number) {
  const segment = new Segment(partitionDir, base)
  const paths = segment.paths
  const fd = openForWriteNoFollow(paths.log)
  try {
    const fileSize = fs.fstatSync(fd).size
    const index = segment.readOffsetIndex()
    const indexSound = index !== undefined && indexFileSizeOk(paths.index, OFFSET_INDEX_ENTRY_SIZE) && index.isConsistent(base, fileSize)
      && lastEntryMatches(fd, index)
    const from = indexSound ? (index.last()?.position ?? 0) : 0
    // The largest timestamp past the recovery point: the writer needs it to keep the time index true.
    let maxTimestamp = Number.NEGATIVE_INFINITY
    const onBatch = (batch: {maxTimestamp: number}) => {
      if (batch.maxTimestamp > maxTimestamp) maxTimestamp = batch.maxTimestamp
    }
    let scan = scanBatches(fd, from, fileSize, {verifyCrc: true, minBaseOffset: base, onBatch})
    if (scan.stop !== 'end' && from > 0 && scan.validEnd === from) {
      scan = scanBatches(fd, 0, fileSize, {verifyCrc: true, minBaseOffset: base, onBatch})
    }
    let truncation: TruncationReport | undefined
    const nextOffset = scan.lastBatch === undefined ? (from === 0 ? base : (index?.last()?.offset ?? base - 1) + 1) : scan.lastBatch.lastOffset + 1
    if (scan.stop !== 'end') {
      assertTornTail(partitionDir, base, fd, scan, fileSize)
      truncation = {
        segmentBaseOffset: base,
        fromOffset: scan.brokenBaseOffset !== undefined && scan.brokenBaseOffset >= nextOffset ? scan.brokenBaseOffset : nextOffset,
        bytesCut: fileSize - scan.validEnd,
        reason: scan.reason ?? scan.stop,
      }
      fs.ftruncateSync(fd, scan.validEnd)
      fs.fsyncSync(fd)
      truncateTxnIndex(segment.paths.txnIndex, nextOffset)
    }
    let rebuilt = false
    const timeIndex = segment.readTimeIndex()
    const timeIndexSound = timeIndex !== undefined && indexFileSizeOk(paths.timeIndex, TIME_INDEX_ENTRY_SIZE) && timeIndex.isConsistent(base)
      && (timeIndex.offsets.length === 0 || timeIndex.offsets[timeIndex.offsets.length - 1] < nextOffset)
    const indexStillSound = indexSound && (index.last() === undefined || index.last()!.position < scan.validEnd)
    if (!indexStillSound || !timeIndexSound) {
      rebuildIndexes(partitionDir, base, indexIntervalBytes)
      rebuilt = true
    }
    return {sizeBytes: scan.validEnd, nextOffset, truncation, rebuilt, maxTimestamp}
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Refuses unless the bytes after `scan.validEnd` are a torn tail: an incomplete last batch (the scan
 * ran out of file, or the rest is zeros a crash left behind) with no valid batch anywhere after
 * it. Called by writers before they cut; anything else is acknowledged data that is damaged.
 */
export function assertTornTail(partitionDir: string, base: number, fd: number, scan: ScanResult, fileSize: number): void {
  if (scan.stop === 'end' || scan.stop === 'stopped') return
  const resumes = findNextValidBatch(fd, scan.validEnd + 1, fileSize)
  if (resumes === undefined && (scan.stop === 'incomplete' || allZero(fd, scan.validEnd, fileSize))) return
  const topic = path.basename(path.dirname(partitionDir))
  const partition = path.basename(partitionDir)
  const after = resumes === undefined ? 'it is a complete batch, not a torn write' : `valid batches follow from byte ${resumes}`
  throw new StromError('CORRUPT_SEGMENT', `corrupt data in ${topic}/${partition}, segment ${base}, at byte ${scan.validEnd}: ${scan.reason ?? scan.stop} (${after}); refusing to append after it`, {
    hint: `run \`strom log repair ${topic}\` (every byte it cuts is kept in quarantine); \`strom log verify ${topic}\` shows the damage`,
    details: {topic, partition: Number(partition), segment: base, position: scan.validEnd},
  })
}

function allZero(fd: number, from: number, to: number): boolean {
  const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, Math.max(1, to - from)))
  for (let at = from; at < to;) {
    const n = readFully(fd, chunk, Math.min(chunk.length, to - at), at)
    if (n === 0) return true
    for (let i = 0; i < n; i++) if (chunk[i] !== 0) return false
    at += n
  }
  return true
}

function indexFileSizeOk(file: string, entrySize: number): boolean {
  try {
    return fs.statSync(file).size % entrySize === 0
  } catch {
    return false
  }
}

/** The last index entry must point at the start of a batch that ends at the entry's offset. */
function lastEntryMatches(fd: number, index: OffsetIndex): boolean {
  const last = index.last()
  if (last === undefined) return true
  const header = Buffer.alloc(BATCH_HEADER_SIZE)
  if (readFully(fd, header, BATCH_HEADER_SIZE, last.position) < BATCH_HEADER_SIZE) return false
  if (header.readInt8(BATCH.magic) !== 2) return false
  return readInt64(header, BATCH.baseOffset) + header.readInt32BE(BATCH.lastOffsetDelta) === last.offset
}

function closedSegmentIndexesAreSound(partitionDir: string, base: number): boolean {
  const segment = new Segment(partitionDir, base)
  const paths = segment.paths
  let fd: number
  try {
    fd = fs.openSync(paths.log, 'r')
  } catch {
    return true
  }
  try {
    const size = fs.fstatSync(fd).size
    const index = segment.readOffsetIndex()
    const timeIndex = segment.readTimeIndex()
    return index !== undefined && timeIndex !== undefined
      && indexFileSizeOk(paths.index, OFFSET_INDEX_ENTRY_SIZE) && indexFileSizeOk(paths.timeIndex, TIME_INDEX_ENTRY_SIZE)
      && index.isConsistent(base, size) && timeIndex.isConsistent(base) && lastEntryMatches(fd, index)
  } finally {
    fs.closeSync(fd)
  }
}

/** Rebuilds both indexes of a segment from its `.log`; the new files replace the old atomically. */
export function rebuildIndexes(partitionDir: string, base: number, indexIntervalBytes: number): void {
  const paths = new Segment(partitionDir, base).paths
  const fd = fs.openSync(paths.log, 'r')
  const builder = new SegmentIndexBuilder(base, indexIntervalBytes)
  try {
    scanBatches(fd, 0, fs.fstatSync(fd).size, {verifyCrc: false, onBatch: (batch) => builder.add(batch)})
  } finally {
    fs.closeSync(fd)
  }
  const built = builder.finish()
  writeFileAtomic(paths.index, built.index)
  writeFileAtomic(paths.timeIndex, built.timeIndex)
}
