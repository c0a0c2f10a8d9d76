/**
 * Finding the next trustworthy batch after damage: the first position at or after `from` where a
 * complete batch with magic 2, a plausible length and a matching CRC-32C starts. A random byte
 * sequence passes all three with negligible probability, so what follows is real data again.
 * Used by `log verify` (to report every fault, not only the first), by `log repair` (to say what
 * the cut bytes still held) and by `consume --skip-corrupt`.
 */
import {BATCH, BATCH_HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2, isBatchCrcValid} from '../format/record-batch.js'
import {readFully} from '../segment/batch-scan.js'

const WINDOW_BYTES = 1024 * 1024

export function findNextValidBatch(fd: number, from: number, fileSize: number): number | undefined {
  let window = Buffer.allocUnsafe(Math.min(WINDOW_BYTES, Math.max(0, fileSize - from)) + BATCH_HEADER_SIZE)
  let windowStart = -1
  let windowLength = 0
  const load = (at: number, need: number): boolean => {
    if (at >= windowStart && at + need <= windowStart + windowLength) return true
    if (need > window.length) window = Buffer.allocUnsafe(need)
    windowStart = at
    windowLength = readFully(fd, window, Math.min(window.length, fileSize - at), at)
    return windowLength >= need
  }
  for (let at = from; at + BATCH_HEADER_SIZE <= fileSize; at++) {
    if (!load(at, BATCH_HEADER_SIZE)) return undefined
    const i = at - windowStart
    if (window[i + BATCH.magic] !== MAGIC_V2) continue
    const size = window.readInt32BE(i + BATCH.batchLength) + LOG_OVERHEAD
    if (size < BATCH_HEADER_SIZE || at + size > fileSize) continue
    if (!load(at, size)) continue
    if (isBatchCrcValid(window, at - windowStart, size)) return at
  }
  return undefined
}
