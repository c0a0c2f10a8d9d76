/**
 * Rewrites one RecordBatch v2 keeping only chosen records, as Kafka's cleaner does
 * (`MemoryRecords.filterTo`): the batch keeps its base offset, its last offset delta (so offsets
 * after the batch are untouched and readers move past removed records), its producer fields and
 * timestamp type and its compression codec (the kept records are compressed again with it, as
 * Kafka's cleaner does); kept records keep their offsets and timestamps.
 *
 * Tombstones follow KIP-534: the first cleaning that keeps a tombstone marks its batch with the
 * delete-horizon attribute (bit 6) and stores `now + delete.retention.ms` in baseTimestamp (record
 * timestamps stay exact: their deltas are recomputed against it); a later cleaning past that
 * horizon drops the tombstone.
 */
import {compressRecords} from '../format/compression.js'
import {BATCH, BATCH_HEADER_SIZE, LOG_OVERHEAD, RecordCursor, computeBatchCrc, readInt64, writeInt64} from '../format/record-batch.js'
import type {Header} from '../format/record-batch.js'
import {varintSize, varlongSize, writeVarint, writeVarlong} from '../format/varint.js'

export const ATTR_DELETE_HORIZON = 0x40
const ATTR_COMPRESSION = 0x07
const ATTR_TIMESTAMP_TYPE = 0x08
const ATTR_TRANSACTIONAL = 0x10
const ATTR_CONTROL = 0x20

export type KeepDecision = 'keep' | 'superseded' | 'keyless' | 'tombstone'

export interface FilterStats {
  recordsIn: number
  recordsOut: number
  tombstonesRemoved: number
  keylessRemoved: number
  /** Records of aborted transactions removed (compaction.ts, before filtering). */
  abortedRemoved: number
}

interface KeptRecord {
  offset: number
  timestamp: number
  key: Buffer
  value: Buffer | null
  headers: Header[]
}

const cursor = new RecordCursor()
/** Per record of the batch being filtered: 1 kept, 0 removed (grown as needed, reused). */
let keepFlags = new Uint8Array(1024)

/** Whether the record at `offset` with the key `data[keyStart, keyStart + keyLength)` is the latest of its key. */
export type IsLatest = (data: Buffer, keyStart: number, keyLength: number, offset: number) => boolean

/**
 * `isLatest` says whether a record is the latest for its key. Returns the batch to write (the
 * input itself when nothing changes) or undefined when no record is left. Each record is decided
 * once; only a batch that keeps some records and loses others is rewritten.
 */
export function filterBatch(batch: Buffer, isLatest: IsLatest, nowMs: number, deleteRetentionMs: number, stats: FilterStats): Buffer | undefined {
  const attributes = batch.readInt16BE(BATCH.attributes)
  if ((attributes & ATTR_CONTROL) !== 0) return batch
  const existingHorizon = (attributes & ATTR_DELETE_HORIZON) !== 0 ? readInt64(batch, BATCH.baseTimestamp) : undefined
  const horizon = existingHorizon ?? nowMs + deleteRetentionMs
  let count = 0
  let keptCount = 0
  let keptTombstone = false
  cursor.reset(batch, 0)
  while (cursor.next()) {
    if (count === keepFlags.length) {
      const bigger = new Uint8Array(keepFlags.length * 2)
      bigger.set(keepFlags)
      keepFlags = bigger
    }
    let keep = 0
    if (cursor.keyLength < 0) stats.keylessRemoved++
    else if (isLatest(cursor.data, cursor.keyStart, cursor.keyLength, cursor.offset)) {
      if (cursor.valueLength >= 0) keep = 1
      else if (nowMs >= horizon) stats.tombstonesRemoved++
      else {
        keep = 1
        keptTombstone = true
      }
    }
    keepFlags[count++] = keep
    keptCount += keep
  }
  stats.recordsIn += count
  stats.recordsOut += keptCount
  if (keptCount === 0) return undefined
  const markHorizon = keptTombstone && existingHorizon === undefined
  if (keptCount === count && !markHorizon) return batch
  const newHorizon = keptTombstone || existingHorizon !== undefined ? horizon : undefined
  cursor.rewind()
  // Offsets keep their deltas (same base offset); timestamps keep theirs unless the base timestamp
  // becomes the delete horizon: then records are encoded again, else their bytes are copied as they are.
  const baseTimestamp = readInt64(batch, BATCH.baseTimestamp)
  const baseOffset = readInt64(batch, BATCH.baseOffset)
  const reencode = newHorizon !== undefined && newHorizon !== baseTimestamp
  const bodies: Buffer[] = []
  for (let i = 0; cursor.next(); i++) {
    if (keepFlags[i] === 0) continue
    if (!reencode) {
      bodies.push(cursor.data.subarray(cursor.recordStart, cursor.recordEnd))
      continue
    }
    const value = cursor.value()
    const kept: KeptRecord = {
      offset: cursor.offset, timestamp: cursor.timestamp, key: cursor.key()!, value,
      headers: cursor.headers(),
    }
    bodies.push(encodeRecord(kept, baseOffset, (attributes & ATTR_TIMESTAMP_TYPE) !== 0 ? kept.timestamp : newHorizon))
  }
  return encodeRetained(batch, bodies, keptCount, newHorizon)
}

/** The batch header of `original` around the kept records' bodies (compressed again with the batch's codec). */
function encodeRetained(original: Buffer, bodies: Buffer[], recordCount: number, horizon: number | undefined): Buffer {
  const attributes = original.readInt16BE(BATCH.attributes)
  const baseTimestamp = horizon ?? readInt64(original, BATCH.baseTimestamp)
  const codec = attributes & ATTR_COMPRESSION
  const recordBytes = codec === 0 ? Buffer.concat(bodies) : compressRecords(codec, Buffer.concat(bodies))
  const size = BATCH_HEADER_SIZE + recordBytes.length
  const out = Buffer.allocUnsafe(size)
  original.copy(out, 0, 0, BATCH_HEADER_SIZE)
  out.writeInt32BE(size - LOG_OVERHEAD, BATCH.batchLength)
  // The transactional bit stays with the producer fields: a committed transaction's records stay its batch.
  out.writeInt16BE(codec | (attributes & (ATTR_TIMESTAMP_TYPE | ATTR_TRANSACTIONAL)) | (horizon === undefined ? 0 : ATTR_DELETE_HORIZON), BATCH.attributes)
  writeInt64(out, BATCH.baseTimestamp, baseTimestamp)
  out.writeInt32BE(recordCount, BATCH.recordsCount)
  recordBytes.copy(out, BATCH_HEADER_SIZE)
  out.writeUInt32BE(computeBatchCrc(out, 0, size), BATCH.crc)
  return out
}

function encodeRecord(record: KeptRecord, baseOffset: number, baseTimestamp: number): Buffer {
  const timestampDelta = record.timestamp - baseTimestamp
  const offsetDelta = record.offset - baseOffset
  let headersSize = varintSize(record.headers.length)
  const headerKeys = record.headers.map((h) => Buffer.from(h.key))
  record.headers.forEach((h, i) => {
    headersSize += varintSize(headerKeys[i].length) + headerKeys[i].length + (h.value === null ? varintSize(-1) : varintSize(h.value.length) + h.value.length)
  })
  const valueLength = record.value === null ? -1 : record.value.length
  const bodySize = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + varintSize(record.key.length) + record.key.length
    + varintSize(valueLength) + Math.max(0, valueLength) + headersSize
  const out = Buffer.allocUnsafe(varintSize(bodySize) + bodySize)
  let at = writeVarint(out, 0, bodySize)
  out[at++] = 0
  at = writeVarlong(out, at, timestampDelta)
  at = writeVarint(out, at, offsetDelta)
  at = writeVarint(out, at, record.key.length)
  at += record.key.copy(out, at)
  at = writeVarint(out, at, valueLength)
  if (record.value !== null) at += record.value.copy(out, at)
  at = writeVarint(out, at, record.headers.length)
  record.headers.forEach((h, i) => {
    at = writeVarint(out, at, headerKeys[i].length)
    at += headerKeys[i].copy(out, at)
    if (h.value === null) at = writeVarint(out, at, -1)
    else {
      at = writeVarint(out, at, h.value.length)
      at += h.value.copy(out, at)
    }
  })
  return out
}
