/**
 * Kafka's transaction markers: control batches. A COMMIT or ABORT marker is a RecordBatch v2 whose
 * attributes have the transactional (0x10) and control (0x20) bits, carrying the producer id and
 * epoch of the transaction it ends, base sequence -1, and exactly one record (Kafka's
 * EndTransactionMarker):
 *
 *   record key   = version int16 (0), type int16 (0 = ABORT, 1 = COMMIT)
 *   record value = version int16 (0), coordinatorEpoch int32
 *
 * Readers never hand a control record to a consumer (RecordCursor gives no records for control
 * batches); read_committed readers use ABORT markers to end the skipping of an aborted producer.
 */
import {readVarint, readVarlong} from '../format/varint.js'
import {BATCH, BatchBuilder, CONTROL_ABORT, CONTROL_COMMIT, controlRecordType, isControlBatch, isTransactionalBatch, readInt64, stampProducer} from '../format/record-batch.js'

export type MarkerType = 'ABORT' | 'COMMIT'

export interface ProducerIdentity {
  producerId: number
  producerEpoch: number
}

/** A marker batch ready to append (base offset 0: the writer sets it). */
export function encodeMarker(type: MarkerType, producer: ProducerIdentity, timestamp: number, coordinatorEpoch = 0): Buffer {
  const key = Buffer.alloc(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(type === 'COMMIT' ? CONTROL_COMMIT : CONTROL_ABORT, 2)
  const value = Buffer.alloc(6)
  value.writeInt16BE(0, 0)
  value.writeInt32BE(coordinatorEpoch, 2)
  const builder = new BatchBuilder(256)
  builder.add(key, value, timestamp)
  return stampProducer(Buffer.from(builder.seal()), {...producer, baseSequence: -1, transactional: true, control: true})
}

export interface BatchTxnInfo {
  producerId: number
  producerEpoch: number
  transactional: boolean
  control: boolean
}

export function batchTxnInfo(buf: Buffer, at: number): BatchTxnInfo {
  const attributes = buf.readInt16BE(at + BATCH.attributes)
  return {
    producerId: readInt64(buf, at + BATCH.producerId),
    producerEpoch: buf.readInt16BE(at + BATCH.producerEpoch),
    transactional: isTransactionalBatch(attributes),
    control: isControlBatch(attributes),
  }
}

/** The marker type of a control batch at `at`, or undefined when it is not a COMMIT/ABORT marker. */
export function markerTypeAt(buf: Buffer, at: number): MarkerType | undefined {
  const type = controlRecordType(buf, at)
  return type === CONTROL_ABORT ? 'ABORT' : type === CONTROL_COMMIT ? 'COMMIT' : undefined
}

/** A control batch's record as Kafka's EndTransactionMarker reads it (log dump, log verify). */
export interface ControlRecord {
  offset: number
  timestamp: number
  /** 'ABORT' / 'COMMIT' for key type 0 / 1; undefined for another type or an unreadable record. */
  type: MarkerType | undefined
  keyVersion: number | undefined
  keyType: number | undefined
  valueVersion: number | undefined
  coordinatorEpoch: number | undefined
}

/**
 * Decodes the records of the control batch buf[at, at + size) (CRC already checked by the caller),
 * and says what makes it not a well-formed marker: `problem` is undefined for exactly one record
 * with key version 0, type 0 or 1, and a value of version 0 with a coordinator epoch.
 */
export function decodeControlBatch(buf: Buffer, at: number, size: number): {records: ControlRecord[]; problem: string | undefined} {
  const records: ControlRecord[] = []
  const attributes = buf.readInt16BE(at + BATCH.attributes)
  if ((attributes & 0x07) !== 0) return {records, problem: 'a compressed control batch (markers are written uncompressed)'}
  const count = buf.readInt32BE(at + BATCH.recordsCount)
  const end = at + size
  const baseOffset = readInt64(buf, at + BATCH.baseOffset)
  const baseTimestamp = readInt64(buf, at + BATCH.baseTimestamp)
  const pos = {o: at + BATCH.records}
  try {
    for (let i = 0; i < count && pos.o < end; i++) {
      const length = readVarint(buf, pos)
      const recordEnd = pos.o + length
      if (length < 0 || recordEnd > end) return {records, problem: `record ${i} runs past the end of the batch`}
      pos.o += 1 // record attributes
      const timestampDelta = readVarlong(buf, pos)
      const offsetDelta = readVarint(buf, pos)
      const keyLength = readVarint(buf, pos)
      const key = keyLength >= 0 ? buf.subarray(pos.o, Math.min(pos.o + keyLength, recordEnd)) : null
      pos.o += Math.max(0, keyLength)
      const valueLength = pos.o < recordEnd ? readVarint(buf, pos) : -1
      const value = valueLength >= 0 ? buf.subarray(pos.o, Math.min(pos.o + valueLength, recordEnd)) : null
      const keyVersion = key !== null && key.length >= 2 ? key.readInt16BE(0) : undefined
      const keyType = key !== null && key.length >= 4 ? key.readInt16BE(2) : undefined
      records.push({
        offset: baseOffset + offsetDelta,
        timestamp: baseTimestamp + timestampDelta,
        type: keyType === 0 ? 'ABORT' : keyType === 1 ? 'COMMIT' : undefined,
        keyVersion,
        keyType,
        valueVersion: value !== null && value.length >= 2 ? value.readInt16BE(0) : undefined,
        coordinatorEpoch: value !== null && value.length >= 6 ? value.readInt32BE(2) : undefined,
      })
      pos.o = recordEnd
    }
  } catch {
    return {records, problem: 'its record cannot be decoded'}
  }
  if (count !== 1 || records.length !== 1) return {records, problem: `it has ${count} records (a marker has exactly one)`}
  const r = records[0]
  if (r.keyVersion === undefined || r.keyType === undefined) return {records, problem: 'its record key is shorter than 4 bytes (version int16, type int16)'}
  if (r.keyVersion !== 0) return {records, problem: `its marker key version is ${r.keyVersion} (0 expected)`}
  if (r.type === undefined) return {records, problem: `its marker type is ${r.keyType} (0 ABORT or 1 COMMIT expected)`}
  if (r.valueVersion === undefined || r.coordinatorEpoch === undefined) return {records, problem: 'its record value is shorter than 6 bytes (version int16, coordinatorEpoch int32)'}
  return {records, problem: undefined}
}
