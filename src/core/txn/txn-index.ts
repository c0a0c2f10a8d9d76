/**
 * The aborted-transaction index, Kafka's `.txnindex` beside a segment (`<base>.txnindex`): one
 * 34-byte entry per transaction aborted by a marker in that segment, appended when the ABORT marker
 * is written. Big-endian, exactly Kafka's AbortedTxn layout:
 *
 *   off size field
 *     0    2  version            0
 *     2    8  producerId
 *    10    8  firstOffset        first offset of the producer's data in the transaction (a lower
 *                                bound: strom records the partition's end when the partition joins
 *                                the transaction; no other batch of the producer lies in between)
 *    18    8  lastOffset         offset of the ABORT marker
 *    26    8  lastStableOffset   the partition's last stable offset when the marker was written
 *
 * A read_committed reader of offsets [from, to) collects the entries of the segments from the one
 * holding `from` onwards whose lastOffset >= from and firstOffset < to, and skips the producer's
 * transactional batches from firstOffset until its ABORT marker (Kafka's fetch answers carry the
 * same list). A torn last entry (a crash while appending it) is ignored; the marker is the truth and
 * recovery appends the entry again (see markers.ts).
 */
import fs from 'node:fs'
import {readInt64, writeInt64} from '../format/record-batch.js'

export const TXN_INDEX_SUFFIX = '.txnindex'
export const ABORTED_TXN_SIZE = 34

export interface AbortedTxn {
  producerId: number
  firstOffset: number
  lastOffset: number
  lastStableOffset: number
}

export function encodeAbortedTxn(entry: AbortedTxn): Buffer {
  const buf = Buffer.alloc(ABORTED_TXN_SIZE)
  buf.writeInt16BE(0, 0)
  writeInt64(buf, 2, entry.producerId)
  writeInt64(buf, 10, entry.firstOffset)
  writeInt64(buf, 18, entry.lastOffset)
  writeInt64(buf, 26, entry.lastStableOffset)
  return buf
}

/** Every whole entry of a `.txnindex` file; none when it does not exist. */
export function readTxnIndex(file: string): AbortedTxn[] {
  return readTxnIndexFile(file).entries
}

/**
 * A `.txnindex` file as it is, for log dump and log verify: every whole entry with its version, and
 * the bytes of a torn last entry (0 when none). No entries when the file does not exist.
 */
export function readTxnIndexFile(file: string): {entries: Array<AbortedTxn & {version: number}>; trailingBytes: number} {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {entries: [], trailingBytes: 0}
    throw error
  }
  const entries: Array<AbortedTxn & {version: number}> = []
  for (let at = 0; at + ABORTED_TXN_SIZE <= bytes.length; at += ABORTED_TXN_SIZE) {
    entries.push({version: bytes.readInt16BE(at), producerId: readInt64(bytes, at + 2), firstOffset: readInt64(bytes, at + 10), lastOffset: readInt64(bytes, at + 18), lastStableOffset: readInt64(bytes, at + 26)})
  }
  return {entries, trailingBytes: bytes.length % ABORTED_TXN_SIZE}
}

/**
 * Appends an entry unless one for the same producer and marker offset is there already (recovery
 * may write it a second time). A torn tail from an earlier crash is cut off first, so entries stay
 * aligned. Caller holds the partition's write lock.
 */
export function appendAbortedTxn(file: string, entry: AbortedTxn): void {
  const existing = readTxnIndex(file)
  if (existing.some((e) => e.producerId === entry.producerId && e.lastOffset === entry.lastOffset)) return
  const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_WRONLY, 0o644)
  try {
    const whole = existing.length * ABORTED_TXN_SIZE
    if (fs.fstatSync(fd).size !== whole) fs.ftruncateSync(fd, whole)
    fs.writeSync(fd, encodeAbortedTxn(entry), 0, ABORTED_TXN_SIZE, whole)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Drops the entries whose marker is at or above `endOffset` (a crash cut the segment's tail and
 * the markers with it; an entry left naming a later offset would hide the same producer's data
 * written there next). Entries are appended in marker order, so the kept ones are a prefix.
 * Caller holds the partition's write lock. Returns how many entries were dropped.
 */
export function truncateTxnIndex(file: string, endOffset: number): number {
  const {entries} = readTxnIndexFile(file)
  const keep = entries.findIndex((entry) => entry.lastOffset >= endOffset)
  if (keep < 0) return 0
  fs.truncateSync(file, keep * ABORTED_TXN_SIZE)
  return entries.length - keep
}
