/**
 * The pieces of Kafka transactions that live in batch bytes: stampProducer marks a batch as an
 * idempotent/transactional producer's (header fields, attribute bit 4, a CRC that still checks),
 * controlRecordType reads a marker's type, and AbortedFilter (shared by the log directory's
 * reader and the Kafka reader) applies Kafka's read_committed
 * rule (per producer id, aborted from firstOffset until its ABORT marker).
 */
import {describe, expect, it} from 'vitest'
import {AbortedFilter} from '../../../src/core/txn/isolation.js'
import {BATCH, CONTROL_ABORT, CONTROL_COMMIT, computeBatchCrc, controlRecordType, encodeBatch, isBatchCrcValid, isControlBatch, isTransactionalBatch, readBatchHeader, setBaseOffset, stampProducer} from '../../../src/core/format/record-batch.js'

function dataBatch(baseOffset: number, producerId: number, transactional: boolean, count = 1): Buffer {
  const batch = encodeBatch(Array.from({length: count}, (_, i) => ({key: null, value: Buffer.from(`v${i}`)})), {now: 1})
  if (producerId >= 0) stampProducer(batch, {producerId, producerEpoch: 0, baseSequence: 0, transactional})
  setBaseOffset(batch, baseOffset)
  return batch
}

/** A transaction marker as the coordinator writes it: key (version 0, type), control and transactional bits. */
function marker(baseOffset: number, producerId: number, type: number): Buffer {
  const key = Buffer.from([0, 0, 0, type])
  const batch = encodeBatch([{key, value: Buffer.from([0, 0, 0, 0, 0, 0])}], {now: 1})
  stampProducer(batch, {producerId, producerEpoch: 0, baseSequence: -1, transactional: true})
  batch.writeInt16BE(batch.readInt16BE(BATCH.attributes) | 0x20, BATCH.attributes)
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), BATCH.crc)
  setBaseOffset(batch, baseOffset)
  return batch
}

describe('transactions in batch bytes', () => {
  it('stampProducer writes producer id, epoch, sequence and the transactional bit, and keeps the CRC valid', () => {
    const batch = encodeBatch([{key: null, value: Buffer.from('x')}], {now: 1, compression: 1})
    stampProducer(batch, {producerId: 4001, producerEpoch: 3, baseSequence: 17, transactional: true})
    const header = readBatchHeader(batch)
    expect([header.producerId, header.producerEpoch, header.baseSequence]).toEqual([4001, 3, 17])
    expect(isTransactionalBatch(header.attributes)).toBe(true)
    expect(header.attributes & 7).toBe(1) // the codec is kept
    expect(isBatchCrcValid(batch, 0, batch.length)).toBe(true)
    stampProducer(batch, {producerId: 4001, producerEpoch: 3, baseSequence: 17, transactional: false})
    expect(isTransactionalBatch(readBatchHeader(batch).attributes)).toBe(false)
  })

  it('controlRecordType reads ABORT and COMMIT markers', () => {
    expect(controlRecordType(marker(0, 1, CONTROL_ABORT))).toBe(CONTROL_ABORT)
    expect(controlRecordType(marker(0, 1, CONTROL_COMMIT))).toBe(CONTROL_COMMIT)
    expect(isControlBatch(readBatchHeader(marker(0, 1, CONTROL_COMMIT)).attributes)).toBe(true)
  })

  it('skips an aborted producer\'s batches up to its ABORT marker, keeps other producers and its next transaction', () => {
    // Producer 1 aborts (offsets 0-1, marker 4); producer 2 commits in between (2, marker 3);
    // producer 1's next transaction (5) and a non-transactional batch (6) are kept.
    const batches = [dataBatch(0, 1, true, 2), dataBatch(2, 2, true), marker(3, 2, CONTROL_COMMIT), marker(4, 1, CONTROL_ABORT), dataBatch(5, 1, true), dataBatch(6, -1, false)]
    const log = Buffer.concat(batches)
    const aborted = new AbortedFilter([{producerId: 1, firstOffset: 0}])
    const skipped: Array<boolean | string> = []
    for (let at = 0, i = 0; i < batches.length; at += batches[i]!.length, i++) {
      const header = readBatchHeader(log, at)
      skipped.push(isControlBatch(header.attributes) ? (expect(aborted.skip(log, at)).toBe(true), 'marker') : aborted.skip(log, at))
    }
    expect(skipped).toEqual([true, false, 'marker', 'marker', false, false])
  })

  it('an aborted transaction that starts inside a batch\'s range takes effect from that batch', () => {
    // The answer lists producer 7 aborted from offset 11: its batch 10-12 contains it (Kafka compares with the batch's last offset).
    const aborted = new AbortedFilter([{producerId: 7, firstOffset: 11}])
    const before = dataBatch(8, 7, true)
    expect(aborted.skip(before, 0)).toBe(false)
    const batch = dataBatch(10, 7, true, 3)
    expect(aborted.skip(batch, 0)).toBe(true)
  })
})
