/**
 * `strom log repair`: makes a damaged partition verify again, destroying nothing without a copy.
 * Under the cleaner and write locks it verifies the partition; in every segment with damaged
 * bytes it copies everything from the first fault to the end of the segment into quarantine
 * (quarantine.ts), truncates the segment after its last valid batch (Kafka's segment recovery),
 * then appends back, verbatim and with their own offsets, the valid batches that followed the
 * damage, as long as their offsets keep growing (above what the segment kept, below the next
 * segment's base, and contiguous among themselves on a topic never compacted); the first batch
 * that breaks that order and everything after it stay in quarantine only. The offsets the damage
 * held become a gap, recorded in `repair-gaps.json` so `log verify` knows it is not damage. When
 * nothing could be put back after damage in the active segment, a new segment is started above
 * the offsets the damaged batch claimed, so the next produce does not hand them out again.
 * Indexes are rebuilt; so is the `.txnindex` of a segment that was cut or whose entries verify
 * rejected, from the markers in the log (txn-index-rebuild.ts). Later segments that verify are kept: each batch carries its own CRC, and a
 * gap in offsets is something every reader already handles (compaction makes them too). Then it
 * verifies again and reports what is left.
 */
import fs from 'node:fs'
import {BATCH, BATCH_HEADER_SIZE, LOG_OVERHEAD, readInt64} from '../format/record-batch.js'
import {listSegmentBases} from '../partition/partition-files.js'
import {segmentPaths} from '../segment/segment.js'
import {rebuildTxnIndexes} from '../txn/txn-index-rebuild.js'
import {StromError} from '../errors.js'
import {readFully, scanBatches} from '../segment/batch-scan.js'
import {createEmptySegment, rebuildIndexes} from '../partition/recovery.js'
import {OffsetGap, recordOffsetGaps} from '../partition/offset-gaps.js'
import {PartitionRef, describeRef, withCleanerLock, withWriteLock} from './partition-ref.js'
import {quarantineBytes} from './quarantine.js'
import {findNextValidBatch} from './resync.js'
import {recoverInterruptedMaintenanceLocked} from './segment-swap.js'
import {Fault, PartitionCheck, SegmentCheck, verifyPartition} from './verify.js'

export interface SegmentRepair {
  segment: number
  /** Bytes cut from `position` to the old end of the segment. */
  position: number
  bytesCut: number
  /** Valid batches that were in the cut region (after the damage): their bytes are in the quarantine file. */
  quarantineFile: string
  reason: string
  /** Valid batches after the damage that were appended back (offsets unchanged). */
  restored: {batches: number; firstOffset?: number; lastOffset?: number; bytes: number}
  /** Offsets the damage held, now absent (recorded in repair-gaps.json). */
  gap?: OffsetGap
  /** Base of the empty segment started so the damaged batch's offsets are not handed out again. */
  rolledTo?: number
}

export interface RepairResult {
  topic: string
  partition: number
  faultsBefore: Fault[]
  cuts: SegmentRepair[]
  rebuiltIndexes: number[]
  /** Segments whose `.txnindex` was rewritten from the markers in the log. */
  rebuiltTxnIndexes: number[]
  faultsAfter: Fault[]
}

/** What repair would do, without locks or changes. */
export function planRepair(ref: PartitionRef): PartitionCheck {
  return verifyPartition(ref)
}

export function repairPartition(ref: PartitionRef): RepairResult {
  return withCleanerLock(ref.partitionDir, () => withWriteLock(ref.partitionDir, () => repairLocked(ref)))!
}

function repairLocked(ref: PartitionRef): RepairResult {
  recoverInterruptedMaintenanceLocked(ref.partitionDir)
  const before = verifyPartition(ref, {holdingWriteLock: true})
  const result: RepairResult = {topic: ref.topic, partition: ref.partition, faultsBefore: before.faults, cuts: [], rebuiltIndexes: [], rebuiltTxnIndexes: [], faultsAfter: []}
  const strict = before.strict
  for (let i = 0; i < before.segments.length; i++) {
    const segment = before.segments[i]
    if (segment.faults.length === 0) continue
    const nextBase = before.segments[i + 1]?.baseOffset
    if (segment.validEnd < segment.sizeBytes) {
      const cut = cutSegment(ref, segment, nextBase, strict)
      result.cuts.push(cut)
    }
    rebuildIndexes(ref.partitionDir, segment.baseOffset, ref.config.indexIntervalBytes)
    result.rebuiltIndexes.push(segment.baseOffset)
  }
  const gaps = result.cuts.flatMap((c) => (c.gap === undefined ? [] : [c.gap]))
  if (gaps.length > 0) recordOffsetGaps(ref.partitionDir, gaps)
  result.rebuiltIndexes = [...new Set(result.rebuiltIndexes)]
  // A cut may have taken markers whose entries stay; rejected entries are rebuilt from the markers.
  const txnTargets = [...result.cuts.map((c) => c.segment), ...before.faults.filter((f) => f.kind === 'txnindex').map((f) => f.segment)]
  if (txnTargets.length > 0) result.rebuiltTxnIndexes = rebuildTxnIndexes(ref.partitionDir, listSegmentBases(ref.partitionDir), txnTargets)
  result.faultsAfter = verifyPartition(ref, {holdingWriteLock: true}).faults
  return result
}

interface Restorable {
  position: number
  sizeBytes: number
  baseOffset: number
  lastOffset: number
}

function cutSegment(ref: PartitionRef, segment: SegmentCheck, nextBase: number | undefined, strict: boolean): SegmentRepair {
  const file = segmentPaths(ref.partitionDir, segment.baseOffset).log
  const first = segment.faults.find((f) => f.file.endsWith('.log') && f.position === segment.validEnd) ?? segment.faults[0]
  const fd = openNoFollow(file)
  try {
    const size = fs.fstatSync(fd).size
    const keptLast = scanBatches(fd, 0, segment.validEnd, {verifyCrc: false}).lastBatch?.lastOffset ?? segment.baseOffset - 1
    const restorable = restorableBatches(fd, segment.validEnd, size, keptLast, nextBase, strict)
    const resumes = findNextValidBatch(fd, segment.validEnd + 1, size)
    const restoredBytes = restorable.reduce((n, b) => n + b.sizeBytes, 0)
    let reason = first.message
    if (restorable.length > 0) reason += `; ${restorable.length} valid batch(es) after it (offsets ${restorable[0].baseOffset}..${restorable.at(-1)!.lastOffset}) were put back`
    else if (resumes !== undefined) reason += `; valid batches resume at byte ${resumes} but their offsets do not follow on, so they stay in the quarantine file only`
    const quarantineFile = quarantineBytes(ref.logDir, {topic: ref.topic, partition: ref.partition, segment: segment.baseOffset, position: segment.validEnd, bytes: size - segment.validEnd, firstOffset: first.offset, reason}, fd)
    fs.ftruncateSync(fd, segment.validEnd)
    // Put the later batches back from the quarantine copy (already fsynced): a crash from here on
    // loses nothing, the bytes are in quarantine either way.
    if (restorable.length > 0) {
      const source = fs.openSync(quarantineFile, 'r')
      try {
        let at = segment.validEnd
        for (const batch of restorable) {
          const bytes = Buffer.allocUnsafe(batch.sizeBytes)
          readFully(source, bytes, batch.sizeBytes, batch.position - segment.validEnd)
          writeAll(fd, bytes, at)
          at += batch.sizeBytes
        }
      } finally {
        fs.closeSync(source)
      }
    }
    fs.fsyncSync(fd)
    const cut: SegmentRepair = {
      segment: segment.baseOffset,
      position: segment.validEnd,
      bytesCut: size - segment.validEnd,
      quarantineFile,
      reason,
      restored: {batches: restorable.length, firstOffset: restorable[0]?.baseOffset, lastOffset: restorable.at(-1)?.lastOffset, bytes: restoredBytes},
    }
    if (restorable.length > 0 && restorable[0].baseOffset > keptLast + 1) {
      cut.gap = {from: keptLast + 1, to: restorable[0].baseOffset - 1, segment: segment.baseOffset, quarantineFile}
    }
    if (segment.active) {
      // The cut bytes held offsets that were probably acknowledged (the damaged batch, and any
      // valid batch that could not be put back): start a new segment above the highest of them,
      // so no producer is given those offsets again.
      const end = restorable.at(-1)?.lastOffset ?? keptLast
      const claimed = claimedEnd(quarantineFile, keptLast, strict)
      if (claimed > end) {
        createEmptySegment(ref.partitionDir, claimed + 1)
        cut.rolledTo = claimed + 1
        if (restorable.length === 0) cut.gap = {from: keptLast + 1, to: claimed, segment: segment.baseOffset, quarantineFile}
      }
    }
    return cut
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * The valid batches after the damage at `from` that can go back in order: each above the last one
 * kept, below the next segment, and (on a topic never compacted) following on from the previous.
 */
function restorableBatches(fd: number, from: number, size: number, keptLast: number, nextBase: number | undefined, strict: boolean): Restorable[] {
  const batches: Restorable[] = []
  const header = Buffer.alloc(BATCH_HEADER_SIZE)
  let last = keptLast
  // The batch at the damage itself is never put back (its offset field may be what is damaged).
  let position = findNextValidBatch(fd, from + 1, size)
  while (position !== undefined) {
    readFully(fd, header, BATCH_HEADER_SIZE, position)
    const sizeBytes = header.readInt32BE(BATCH.batchLength) + LOG_OVERHEAD
    const baseOffset = readInt64(header, BATCH.baseOffset)
    const lastOffset = baseOffset + header.readInt32BE(BATCH.lastOffsetDelta)
    const follows = batches.length === 0 || !strict || baseOffset === last + 1
    if (header.readInt32BE(BATCH.partitionLeaderEpoch) !== 0 || baseOffset <= last || lastOffset < baseOffset || follows === false || (nextBase !== undefined && lastOffset >= nextBase)) break
    batches.push({position, sizeBytes, baseOffset, lastOffset})
    last = lastOffset
    position = findNextValidBatch(fd, position + sizeBytes, size)
    // Anything but the very next byte means more damage: stop there, the rest stays in quarantine.
    if (position !== undefined && position !== batches.at(-1)!.position + sizeBytes) break
  }
  return batches
}

/**
 * The highest offset the cut bytes (a quarantine file) plausibly held: the damaged batch at their
 * start held at least the next offset (more when its header says it follows on from the kept
 * data), and every valid batch after it what it says (on a topic never compacted, offsets grow by
 * at most one per byte, which bounds a damaged base offset field).
 */
function claimedEnd(quarantineFile: string, keptLast: number, strict: boolean): number {
  const fd = fs.openSync(quarantineFile, 'r')
  try {
    const size = fs.fstatSync(fd).size
    const header = Buffer.alloc(BATCH_HEADER_SIZE)
    const n = readFully(fd, header, BATCH_HEADER_SIZE, 0)
    let end = keptLast + 1
    if (n >= BATCH.lastOffsetDelta + 4 && readInt64(header, BATCH.baseOffset) === keptLast + 1) {
      const delta = header.readInt32BE(BATCH.lastOffsetDelta)
      if (delta >= 0 && delta < size) end += delta
    }
    const limit = strict ? keptLast + size : Number.MAX_SAFE_INTEGER
    for (let at = findNextValidBatch(fd, 1, size); at !== undefined;) {
      readFully(fd, header, BATCH_HEADER_SIZE, at)
      const last = readInt64(header, BATCH.baseOffset) + header.readInt32BE(BATCH.lastOffsetDelta)
      if (last > end && last <= limit) end = last
      at = findNextValidBatch(fd, at + header.readInt32BE(BATCH.batchLength) + LOG_OVERHEAD, size)
    }
    return end
  } finally {
    fs.closeSync(fd)
  }
}

function writeAll(fd: number, data: Buffer, position: number): void {
  let done = 0
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done)
}

function openNoFollow(file: string): number {
  try {
    return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new StromError('IO_ERROR', `${file} is a symlink: refusing to repair through it`, {hint: 'segments are plain files; move the link away and restore the real file'})
    }
    throw error
  }
}

export {describeRef}
