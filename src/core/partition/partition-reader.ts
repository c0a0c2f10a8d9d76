/**
 * Reads one partition without taking any lock. Batches are written with one pwrite under the
 * writer's lock, and a reader only hands out batches whose full length is already in the file, so
 * it never sees a partial batch. A batch that runs past the end of the file is either still being
 * written or torn by a writer that died; either way it is "not there yet" for a reader, and the
 * next writer (or a reader that finds the lock free, see `recoverIfIdle`) cuts a torn one.
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {fileLockFor} from '../io/file-lock.js'
import {BATCH_HEADER_SIZE, LOG_OVERHEAD, RecordCursor, batchSizeAt, isBatchCrcValid, readInt64} from '../format/record-batch.js'
import {segmentPaths} from '../format/segment-files.js'
import {OffsetIndex} from '../segment/offset-index.js'
import {TimeIndex} from '../segment/time-index.js'
import {readFully, scanBatches} from '../segment/batch-scan.js'
import {WRITE_LOCK_FILE, directoryStamp, listSegmentBases, readLogStartCheckpoint} from './partition-files.js'
import {RecoveryResult, recoverPartitionLocked} from './recovery.js'

const DEFAULT_READ_BYTES = 1024 * 1024

export class PartitionReader {
  private bases: number[] = []
  private stamp = -1n

  constructor(readonly partitionDir: string, readonly partition: number) {}

  /** Segment base offsets, re-listed only when the directory changed. */
  segmentBases(): number[] {
    const stamp = directoryStamp(this.partitionDir)
    if (stamp !== this.stamp) {
      this.bases = listSegmentBases(this.partitionDir)
      this.stamp = stamp
    }
    return this.bases
  }

  /**
   * Runs recovery when no writer holds the partition (a writer that is alive recovers by itself).
   * Returns undefined when a writer is active.
   */
  recoverIfIdle(indexIntervalBytes: number): RecoveryResult | undefined {
    const lock = fileLockFor(path.join(this.partitionDir, WRITE_LOCK_FILE))
    if (!lock.tryAcquire()) return undefined
    try {
      return recoverPartitionLocked(this.partitionDir, indexIntervalBytes)
    } finally {
      lock.release()
    }
  }

  logStartOffset(): number {
    const bases = this.segmentBases()
    const first = bases.length === 0 ? 0 : bases[0]
    return Math.max(first, readLogStartCheckpoint(this.partitionDir))
  }

  /** The offset after the last complete batch (Kafka's log end offset / high watermark). */
  endOffset(): number {
    const bases = this.segmentBases()
    for (let i = bases.length - 1; i >= 0; i--) {
      const end = segmentEndOffset(this.partitionDir, bases[i])
      if (end !== undefined) return end
    }
    return this.logStartOffset()
  }

  /** Total bytes of the partition's `.log` files. */
  sizeBytes(): number {
    let total = 0
    for (const base of this.segmentBases()) {
      try {
        total += fs.statSync(segmentPaths(this.partitionDir, base).log).size
      } catch {
        // deleted by retention while we looked
      }
    }
    return total
  }

  /** The first offset whose record timestamp is >= `timestamp`, or the end offset when none is. */
  offsetForTimestamp(timestamp: number): number {
    const bases = this.segmentBases()
    for (let i = 0; i < bases.length; i++) {
      const found = findTimestampInSegment(this.partitionDir, bases[i], timestamp, i < bases.length - 1)
      if (found !== undefined) return found
    }
    return this.endOffset()
  }

  openCursor(fromOffset: number, options: {checkCrcs?: boolean; readBytes?: number} = {}): PartitionCursor {
    return new PartitionCursor(this, fromOffset, options.checkCrcs ?? true, options.readBytes ?? DEFAULT_READ_BYTES)
  }
}

/** End offset of one segment, or undefined when it holds no complete batch. */
function segmentEndOffset(partitionDir: string, base: number): number | undefined {
  const paths = segmentPaths(partitionDir, base)
  let fd: number
  try {
    fd = fs.openSync(paths.log, 'r')
  } catch {
    return undefined
  }
  try {
    const size = fs.fstatSync(fd).size
    const index = OffsetIndex.read(paths.index, base)
    const last = index?.last()
    const from = last !== undefined && last.position < size ? last.position : 0
    let scan = scanBatches(fd, from, size, {verifyCrc: false})
    // An index entry that does not point at a batch is stale: do not trust it.
    if (from > 0 && scan.stop === 'corrupt' && scan.validEnd === from) scan = scanBatches(fd, 0, size, {verifyCrc: false})
    // No complete batch (an empty new segment, or its first batch still being written): it starts at its base.
    return scan.lastBatch === undefined ? base : scan.lastBatch.lastOffset + 1
  } finally {
    fs.closeSync(fd)
  }
}

function findTimestampInSegment(partitionDir: string, base: number, target: number, closed: boolean): number | undefined {
  const paths = segmentPaths(partitionDir, base)
  const timeIndex = TimeIndex.read(paths.timeIndex, base)
  const largest = timeIndex?.lastTimestamp()
  if (closed && largest !== undefined && largest < target) return undefined
  const before = timeIndex?.offsetBefore(target)
  const index = OffsetIndex.read(paths.index, base)
  const from = before === undefined || index === undefined ? 0 : index.positionFor(before + 1)
  let fd: number
  try {
    fd = fs.openSync(paths.log, 'r')
  } catch {
    return undefined
  }
  try {
    let found: number | undefined
    const cursor = new RecordCursor()
    scanBatches(fd, from, fs.fstatSync(fd).size, {
      verifyCrc: false,
      onBatch(batch) {
        if (batch.maxTimestamp < target) return true
        const bytes = Buffer.allocUnsafe(batch.sizeBytes)
        readFully(fd, bytes, batch.sizeBytes, batch.position)
        cursor.reset(bytes, 0)
        while (cursor.next()) {
          if (cursor.timestamp >= target) {
            found = cursor.offset
            return false
          }
        }
        return true
      },
    })
    return found
  } finally {
    fs.closeSync(fd)
  }
}

/** Whole batches read from one segment: `buffer[start, end)` holds complete batches. */
export interface BatchChunk {
  buffer: Buffer
  start: number
  end: number
}

/**
 * A sequential reader over a partition from an offset. `read()` returns the next chunk of complete
 * batches, or undefined when nothing more is there right now (the caller waits and asks again).
 * The chunk's buffer is reused by the next read.
 */
export class PartitionCursor {
  private segmentBase = -1
  private fd: number | undefined
  private position = 0
  private buffer: Buffer
  nextOffset: number

  constructor(private readonly reader: PartitionReader, fromOffset: number, private readonly checkCrcs: boolean, readBytes: number) {
    this.nextOffset = fromOffset
    this.buffer = Buffer.allocUnsafe(readBytes)
  }

  get partition(): number {
    return this.reader.partition
  }

  read(): BatchChunk | undefined {
    for (;;) {
      if (this.fd === undefined && !this.locate()) return undefined
      const fd = this.fd!
      let length = readFully(fd, this.buffer, this.buffer.length, this.position)
      if (length >= LOG_OVERHEAD) {
        const firstSize = batchSizeAt(this.buffer, 0)
        if (firstSize > this.buffer.length) {
          this.buffer = Buffer.allocUnsafe(firstSize)
          length = readFully(fd, this.buffer, firstSize, this.position)
        }
      }
      let end = 0
      while (end + LOG_OVERHEAD <= length) {
        const size = batchSizeAt(this.buffer, end)
        if (size < BATCH_HEADER_SIZE || end + size > length) break
        if (this.checkCrcs && !isBatchCrcValid(this.buffer, end, size)) {
          throw new StromError('CORRUPT_SEGMENT', `CRC mismatch in partition ${this.reader.partition}, segment ${this.segmentBase}, batch at byte ${this.position + end} (offset ${readInt64(this.buffer, end)})`, {
            hint: 'run `strom log verify` to see the damage',
            details: {partition: this.reader.partition, segment: this.segmentBase, position: this.position + end},
          })
        }
        end += size
      }
      if (end > 0) {
        this.position += end
        const lastStart = lastBatchStart(this.buffer, end)
        this.nextOffset = Math.max(this.nextOffset, readInt64(this.buffer, lastStart) + this.buffer.readInt32BE(lastStart + 23) + 1)
        return {buffer: this.buffer, start: 0, end}
      }
      // Nothing complete here. If a later segment exists, this one is finished: move on.
      const bases = this.reader.segmentBases()
      const next = bases.find((base) => base > this.segmentBase)
      if (next === undefined) return undefined
      this.closeFd()
      this.segmentBase = next
      this.nextOffset = Math.max(this.nextOffset, next)
      this.openSegment(next, 0)
    }
  }

  /** Moves to another offset (the next read starts at the batch holding it). */
  seek(offset: number): void {
    this.closeFd()
    this.nextOffset = offset
  }

  close(): void {
    this.closeFd()
  }

  private closeFd(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
    this.segmentBase = -1
  }

  private openSegment(base: number, position: number): boolean {
    try {
      this.fd = fs.openSync(segmentPaths(this.reader.partitionDir, base).log, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
    this.segmentBase = base
    this.position = position
    return true
  }

  /** Finds the segment and byte position of the batch holding `nextOffset`. */
  private locate(): boolean {
    const bases = this.reader.segmentBases()
    if (bases.length === 0) return false
    let base = bases[0]
    for (const candidate of bases) if (candidate <= this.nextOffset) base = candidate
    const paths = segmentPaths(this.reader.partitionDir, base)
    const index = OffsetIndex.read(paths.index, base)
    if (!this.openSegment(base, 0)) return false
    const size = fs.fstatSync(this.fd!).size
    let from = index === undefined ? 0 : index.positionFor(this.nextOffset)
    if (from >= size) from = 0
    const target = this.nextOffset
    let position = from
    const scan = scanBatches(this.fd!, from, size, {
      verifyCrc: false,
      onBatch(batch) {
        if (batch.lastOffset >= target) {
          position = batch.position
          return false
        }
        position = batch.position + batch.sizeBytes
        return true
      },
    })
    if (scan.stop === 'corrupt' && from > 0) {
      // A stale index entry: scan from the start of the segment instead.
      this.position = 0
      return true
    }
    this.position = position
    return true
  }
}

function lastBatchStart(buffer: Buffer, end: number): number {
  let at = 0
  let last = 0
  while (at < end) {
    last = at
    at += batchSizeAt(buffer, at)
  }
  return last
}
