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
