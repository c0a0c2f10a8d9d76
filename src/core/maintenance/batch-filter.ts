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

/**
 * `decide(key, offset)` says whether the record is the latest for its key. Returns the batch to
 * write (the input itself when nothing changes) or undefined when no record is left.
 */
export function filterBatch(batch: Buffer, isLatest: (key: Buffer, offset: number) => boolean, nowMs: number, deleteRetentionMs: number, stats: FilterStats): Buffer | undefined {
  const attributes = batch.readInt16BE(BATCH.attributes)
  if ((attributes & ATTR_CONTROL) !== 0) return batch
  const existingHorizon = (attributes & ATTR_DELETE_HORIZON) !== 0 ? readInt64(batch, BATCH.baseTimestamp) : undefined
  const horizon = existingHorizon ?? nowMs + deleteRetentionMs
  const kept: KeptRecord[] = []
  let changed = false
  let keptTombstone = false
  cursor.reset(batch, 0)
  while (cursor.next()) {
    stats.recordsIn++
    const key = cursor.key()
    if (key === null) {
      stats.keylessRemoved++
      changed = true
      continue
    }
    if (!isLatest(key, cursor.offset)) {
      changed = true
      continue
    }
    if (cursor.valueLength < 0) {
      if (nowMs >= horizon) {
        stats.tombstonesRemoved++
        changed = true
        continue
      }
      keptTombstone = true
    }
    kept.push({offset: cursor.offset, timestamp: cursor.timestamp, key: Buffer.from(key), value: cursor.value() === null ? null : Buffer.from(cursor.value()!), headers: cursor.headers().map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)}))})
  }
  stats.recordsOut += kept.length
  if (kept.length === 0) return undefined
  const markHorizon = keptTombstone && existingHorizon === undefined
  if (!changed && !markHorizon) return batch
  return encodeRetained(batch, kept, keptTombstone || existingHorizon !== undefined ? horizon : undefined)
}

function encodeRetained(original: Buffer, records: KeptRecord[], horizon: number | undefined): Buffer {
  const baseOffset = readInt64(original, BATCH.baseOffset)
  const attributes = original.readInt16BE(BATCH.attributes)
  const logAppendTime = (attributes & ATTR_TIMESTAMP_TYPE) !== 0
  const baseTimestamp = horizon ?? readInt64(original, BATCH.baseTimestamp)
  // LogAppendTime records read their timestamp from maxTimestamp; their deltas are irrelevant.
  const bodies = records.map((r) => encodeRecord(r, baseOffset, logAppendTime ? r.timestamp : baseTimestamp))
  const codec = attributes & ATTR_COMPRESSION
  const recordBytes = codec === 0 ? Buffer.concat(bodies) : compressRecords(codec, Buffer.concat(bodies))
  const size = BATCH_HEADER_SIZE + recordBytes.length
  const out = Buffer.allocUnsafe(size)
  original.copy(out, 0, 0, BATCH_HEADER_SIZE)
  out.writeInt32BE(size - LOG_OVERHEAD, BATCH.batchLength)
  // The transactional bit stays with the producer fields: a committed transaction's records stay its batch.
  out.writeInt16BE(codec | (attributes & (ATTR_TIMESTAMP_TYPE | ATTR_TRANSACTIONAL)) | (horizon === undefined ? 0 : ATTR_DELETE_HORIZON), BATCH.attributes)
  writeInt64(out, BATCH.baseTimestamp, baseTimestamp)
  out.writeInt32BE(records.length, BATCH.recordsCount)
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
