/**
 * Walks the batches of a `.log` file by their headers, reading the file in large windows. Used by
 * recovery (validate the tail), index rebuilds, tail catch-up in the writer, and readers looking
 * for an offset. It never trusts an index: a scan stops at the first batch that is incomplete
 * (runs past the end of the file) or invalid (bad length or magic, CRC mismatch, offsets going
 * backwards), and says which.
 */
import fs from 'node:fs'
import {BATCH, BATCH_HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2, isBatchCrcValid, readInt64} from '../format/record-batch.js'

const WINDOW_BYTES = 1024 * 1024
/**
 * A window loaded only for a batch header (no CRC to check) is smaller: with batches of a MiB or
 * more, a full window per header read a whole batch to use 61 bytes of it (a reader's end offset
 * scans from the last index entry, i.e. reads back the last batch, after every append). Small
 * batches still come 64 KiB of headers per read.
 */
const HEADER_WINDOW_BYTES = 64 * 1024

export interface ScannedBatch {
  position: number
  sizeBytes: number
  baseOffset: number
  lastOffset: number
  maxTimestamp: number
  recordsCount: number
}

export type ScanStop = 'end' | 'incomplete' | 'corrupt' | 'stopped'

export interface ScanResult {
  /** Position just after the last valid batch visited. */
  validEnd: number
  stop: ScanStop
  reason?: string
  lastBatch?: ScannedBatch
  /** Base offset claimed by the invalid or incomplete batch, when its header was readable. */
  brokenBaseOffset?: number
}

export interface ScanOptions {
  /** true: check every batch's CRC; 'last': only the batch that ends the file (where a torn write can be). */
  verifyCrc: boolean | 'last'
  /** Offsets must be at least this (offsets only grow; gaps are allowed). */
  minBaseOffset?: number
  /** Called per valid batch; return false to stop the scan there (the batch counts as visited). */
  onBatch?: (batch: ScannedBatch, window: Buffer, windowPosition: number) => boolean | void
  /**
   * The visitor keeps no view of a window past its call, so one buffer per thread serves every
   * window of every scan that says so (a pass over 100 MB otherwise leaves 100 MB of windows for
   * the garbage collector, whose helper threads then take CPU from the rest of the machine).
   */
  reuseWindow?: boolean
}

/** The window of scans with reuseWindow (one WINDOW_BYTES buffer; a batch bigger than that gets its own). */
let sharedWindow = Buffer.alloc(0)

export function scanBatches(fd: number, from: number, fileSize: number, options: ScanOptions): ScanResult {
  // Empty until the first fill, which sizes it (a window allocated here was never used).
  let window = Buffer.alloc(0)
  let windowPosition = from
  let windowLength = 0
  let position = from
  let minBaseOffset = options.minBaseOffset ?? Number.NEGATIVE_INFINITY
  let lastBatch: ScannedBatch | undefined

  const fill = (at: number, need: number, windowBytes = WINDOW_BYTES): boolean => {
    if (at >= windowPosition && at + need <= windowPosition + windowLength) return true
    // A fresh buffer on every reload, unless told otherwise: visitors may keep views of batches from the previous window.
    const size = Math.max(need, Math.min(windowBytes, Math.max(fileSize - at, BATCH_HEADER_SIZE)))
    if (options.reuseWindow !== true || size > WINDOW_BYTES) window = Buffer.allocUnsafe(size)
    else {
      if (sharedWindow.length === 0) sharedWindow = Buffer.allocUnsafe(WINDOW_BYTES)
      window = sharedWindow.subarray(0, size)
    }
    const want = Math.min(window.length, fileSize - at)
    if (want < need) return false
    windowLength = readFully(fd, window, want, at)
    windowPosition = at
    return windowLength >= need
  }

  while (position < fileSize) {
    if (fileSize - position < LOG_OVERHEAD || !fill(position, LOG_OVERHEAD, options.verifyCrc === true ? WINDOW_BYTES : HEADER_WINDOW_BYTES)) {
      return {validEnd: position, stop: 'incomplete', reason: `${fileSize - position} trailing bytes are shorter than a batch header`, lastBatch}
    }
    const at = position - windowPosition
    const sizeBytes = window.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD
    const claimedBase = readInt64(window, at)
    if (sizeBytes < BATCH_HEADER_SIZE) {
      return {validEnd: position, stop: 'corrupt', reason: `batch length ${sizeBytes - LOG_OVERHEAD} is below the minimum`, lastBatch}
    }
    if (position + sizeBytes > fileSize) {
      return {validEnd: position, stop: 'incomplete', reason: `batch of ${sizeBytes} bytes runs past the end of the file`, lastBatch, brokenBaseOffset: claimedBase}
    }
    const isLast = position + sizeBytes === fileSize
    const verify = options.verifyCrc === true || (options.verifyCrc === 'last' && isLast)
    if (!fill(position, verify ? sizeBytes : BATCH_HEADER_SIZE, verify ? WINDOW_BYTES : HEADER_WINDOW_BYTES)) {
      return {validEnd: position, stop: 'incomplete', reason: 'short read', lastBatch, brokenBaseOffset: claimedBase}
    }
    const start = position - windowPosition
    if (window.readInt8(start + BATCH.magic) !== MAGIC_V2) {
      return {validEnd: position, stop: 'corrupt', reason: `magic byte ${window.readInt8(start + BATCH.magic)} is not 2`, lastBatch, brokenBaseOffset: claimedBase}
    }
    if (verify && !isBatchCrcValid(window, start, sizeBytes)) {
      return {validEnd: position, stop: 'corrupt', reason: 'CRC-32C mismatch', lastBatch, brokenBaseOffset: claimedBase}
    }
    const baseOffset = readInt64(window, start)
    const lastOffset = baseOffset + window.readInt32BE(start + BATCH.lastOffsetDelta)
    if (baseOffset < minBaseOffset || lastOffset < baseOffset) {
      return {validEnd: position, stop: 'corrupt', reason: `offsets ${baseOffset}..${lastOffset} go backwards`, lastBatch, brokenBaseOffset: claimedBase}
    }
    lastBatch = {
      position,
      sizeBytes,
      baseOffset,
      lastOffset,
      maxTimestamp: readInt64(window, start + BATCH.maxTimestamp),
      recordsCount: window.readInt32BE(start + BATCH.recordsCount),
    }
    minBaseOffset = lastOffset + 1
    position += sizeBytes
    if (options.onBatch?.(lastBatch, window, windowPosition) === false) return {validEnd: position, stop: 'stopped', lastBatch}
  }
  return {validEnd: position, stop: 'end', lastBatch}
}

/** Reads up to `length` bytes at `position` into `into` from `intoOffset` on; returns how many. */
export function readFully(fd: number, into: Buffer, length: number, position: number, intoOffset = 0): number {
  let done = 0
  while (done < length) {
    const n = fs.readSync(fd, into, intoOffset + done, length - done, position + done)
    if (n === 0) break
    done += n
  }
  return done
}
