/**
 * `strom log repair`: makes a damaged partition verify again, destroying nothing without a copy.
 * Under the cleaner and write locks it verifies the partition; in every segment with damaged
 * bytes it copies everything from the first fault to the end of the segment into quarantine
 * (quarantine.ts), truncates the segment after its last valid batch (Kafka's segment recovery)
 * and rebuilds its indexes; indexes that disagree with their log are rebuilt. Later segments that
 * verify are kept: each batch carries its own CRC, so the data after a damaged segment is still
 * trustworthy, and a gap in offsets is something every reader already handles (compaction makes
 * them too). Then it verifies again and reports what is left.
 */
import fs from 'node:fs'
import {segmentPaths} from '../format/segment-files.js'
import {StromError} from '../errors.js'
import {rebuildIndexes} from '../partition/recovery.js'
import {PartitionRef, describeRef, withCleanerLock, withWriteLock} from './partition-ref.js'
import {quarantineBytes} from './quarantine.js'
import {findNextValidBatch} from './resync.js'
import {recoverInterruptedMaintenanceLocked} from './segment-swap.js'
import {Fault, PartitionCheck, verifyPartition} from './verify.js'

export interface SegmentRepair {
  segment: number
  /** Bytes cut from `position` to the old end of the segment. */
  position: number
  bytesCut: number
  /** Valid batches that were in the cut region (after the damage): their bytes are in the quarantine file. */
  quarantineFile: string
  reason: string
}

export interface RepairResult {
  topic: string
  partition: number
  faultsBefore: Fault[]
  cuts: SegmentRepair[]
  rebuiltIndexes: number[]
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
  const result: RepairResult = {topic: ref.topic, partition: ref.partition, faultsBefore: before.faults, cuts: [], rebuiltIndexes: [], faultsAfter: []}
  for (const segment of before.segments) {
    if (segment.faults.length === 0) continue
    const file = segmentPaths(ref.partitionDir, segment.baseOffset).log
    if (segment.validEnd < segment.sizeBytes) {
      const first = segment.faults.find((f) => f.file.endsWith('.log') && f.position === segment.validEnd) ?? segment.faults[0]
      const fd = openNoFollow(file)
      try {
        const size = fs.fstatSync(fd).size
        const resumes = findNextValidBatch(fd, segment.validEnd + 1, size)
        const reason = first.message + (resumes === undefined ? '' : `; valid batches resume at byte ${resumes} and are kept in the quarantine file`)
        const quarantineFile = quarantineBytes(ref.logDir, {topic: ref.topic, partition: ref.partition, segment: segment.baseOffset, position: segment.validEnd, bytes: size - segment.validEnd, firstOffset: first.offset, reason}, fd)
        fs.ftruncateSync(fd, segment.validEnd)
        fs.fsyncSync(fd)
        result.cuts.push({segment: segment.baseOffset, position: segment.validEnd, bytesCut: size - segment.validEnd, quarantineFile, reason})
      } finally {
        fs.closeSync(fd)
      }
    }
    rebuildIndexes(ref.partitionDir, segment.baseOffset, ref.config.indexIntervalBytes)
    result.rebuiltIndexes.push(segment.baseOffset)
  }
  result.faultsAfter = verifyPartition(ref, {holdingWriteLock: true}).faults
  return result
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
