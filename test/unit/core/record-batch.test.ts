import {describe, expect, it} from 'vitest'
import {crc32c} from '../../../src/core/format/crc32c.js'
import {BatchBuilder, decodeBatch, encodeBatch, isBatchCrcValid, readBatchHeader, setBaseOffset} from '../../../src/core/format/record-batch.js'

// A batch as kafka-python 2.0.2 sent it in a Produce v7 request:
// send('t', key=b'k1', value=b'hello', headers=[('h1', b'v1')], timestamp_ms=1700000000000)
const KAFKA_PYTHON_BATCH = Buffer.from(
  '0000000000000000' + '00000045' + '00000000' + '02' + '9f657a99' + '0000' + '00000000'
  + '0000018bcfe56800' + '0000018bcfe56800' + 'ffffffffffffffff' + 'ffff' + 'ffffffff' + '00000001'
  + '26' + '00' + '00' + '00' + '04' + '6b31' + '0a' + '68656c6c6f' + '02' + '04' + '6831' + '04' + '7631',
  'hex',
)

describe('RecordBatch v2', () => {
  it('decodes a batch captured from kafka-python, CRC included', () => {
    expect(isBatchCrcValid(KAFKA_PYTHON_BATCH, 0, KAFKA_PYTHON_BATCH.length)).toBe(true)
    const {header, records} = decodeBatch(KAFKA_PYTHON_BATCH)
    expect(header).toMatchObject({baseOffset: 0, batchLength: 0x45, magic: 2, crc: 0x9f657a99, recordsCount: 1, lastOffsetDelta: 0, producerId: -1})
    expect(header.maxTimestamp).toBe(1700000000000)
    expect(records).toEqual([{offset: 0, timestamp: 1700000000000, key: Buffer.from('k1'), value: Buffer.from('hello'), headers: [{key: 'h1', value: Buffer.from('v1')}]}])
  })

  it('encodes the same record to exactly the same bytes', () => {
    const encoded = encodeBatch([{key: Buffer.from('k1'), value: Buffer.from('hello'), headers: [{key: 'h1', value: Buffer.from('v1')}], timestamp: 1700000000000}])
    expect(encoded.toString('hex')).toBe(KAFKA_PYTHON_BATCH.toString('hex'))
  })

  it('computes the CRC over attributes..end, independently of the base offset', () => {
    const batch = encodeBatch([{key: null, value: Buffer.from('x'), timestamp: 1}])
    const crc = batch.readUInt32BE(17)
    expect(crc).toBe(crc32c(batch.subarray(21)))
    setBaseOffset(batch, 123456789012)
    expect(readBatchHeader(batch).baseOffset).toBe(123456789012)
    expect(isBatchCrcValid(batch, 0, batch.length)).toBe(true)
    batch[batch.length - 1] ^= 1
    expect(isBatchCrcValid(batch, 0, batch.length)).toBe(false)
  })

  it('keeps null and empty keys, values and header values distinct', () => {
    const records = [
      {key: null, value: null, timestamp: 5},
      {key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: 6},
      {key: Buffer.from('k'), value: null, headers: [{key: 'n', value: null}, {key: 'e', value: Buffer.alloc(0)}], timestamp: 4},
    ]
    const {header, records: decoded} = decodeBatch(encodeBatch(records, {baseOffset: 10}))
    expect(header.recordsCount).toBe(3)
    expect(header.lastOffsetDelta).toBe(2)
    expect(header.baseTimestamp).toBe(5)
    expect(header.maxTimestamp).toBe(6)
    expect(decoded.map((r) => r.offset)).toEqual([10, 11, 12])
    expect(decoded[0].key).toBeNull()
    expect(decoded[0].value).toBeNull()
    expect(decoded[1].key).toEqual(Buffer.alloc(0))
    expect(decoded[1].value).toEqual(Buffer.alloc(0))
    expect(decoded[2].value).toBeNull()
    expect(decoded[2].timestamp).toBe(4) // negative timestamp delta
    expect(decoded[2].headers).toEqual([{key: 'n', value: null}, {key: 'e', value: Buffer.alloc(0)}])
  })

  it('round-trips many records with large values and far timestamps', () => {
    const builder = new BatchBuilder(64)
    const values: Buffer[] = []
    for (let i = 0; i < 500; i++) {
      const value = Buffer.alloc(i * 13, i % 256)
      values.push(value)
      builder.add(Buffer.from(`key-${i}`), value, 1_700_000_000_000 + i * 1_000_000_000, i % 7 === 0 ? [{key: 'i', value: Buffer.from(String(i))}] : undefined)
    }
    const batch = Buffer.from(builder.seal())
    expect(isBatchCrcValid(batch, 0, batch.length)).toBe(true)
    const {records} = decodeBatch(batch)
    expect(records).toHaveLength(500)
    records.forEach((record, i) => {
      expect(record.offset).toBe(i)
      expect(record.key!.toString()).toBe(`key-${i}`)
      expect(record.value!.equals(values[i])).toBe(true)
      expect(record.timestamp).toBe(1_700_000_000_000 + i * 1_000_000_000)
    })
  })

  it('decodes varints of one, two and more bytes on both sides of each boundary', () => {
    // zig-zag: values -64..63 take one byte, -8192..8191 two, beyond that three or more.
    const lengths = [0, 1, 63, 64, 65, 8191, 8192, 8193, 70_000]
    const deltas = [0, -1, 63, 64, -64, -65, 8191, 8192, -8193, 1_000_000, 2 ** 40, -(2 ** 40)]
    const base = 1_700_000_000_000
    const builder = new BatchBuilder(64)
    const expected: Array<{key: Buffer | null; value: Buffer | null; timestamp: number}> = []
    for (let i = 0; i < 9000; i++) {
      const keyLength = i % 11 === 0 ? -1 : lengths[i % lengths.length] % 300
      // The long lengths only now and then: they make a batch of tens of MB otherwise.
      const valueLength = i % 13 === 0 ? -1 : lengths[(i * 7) % lengths.length] > 300 && i % 97 !== 0 ? 200 : lengths[(i * 7) % lengths.length]
      const key = keyLength < 0 ? null : Buffer.alloc(keyLength, 0x6b)
      const value = valueLength < 0 ? null : Buffer.alloc(valueLength, i % 251)
      // The first record sets the base timestamp; the others are deltas from it.
      const timestamp = i === 0 ? base : base + deltas[i % deltas.length]
      builder.add(key, value, timestamp, i % 5 === 0 ? [{key: 'h', value: Buffer.from('x')}] : undefined)
      expected.push({key, value, timestamp})
    }
    const {records} = decodeBatch(Buffer.from(builder.seal()))
    expect(records).toHaveLength(expected.length)
    records.forEach((record, i) => {
      expect(record.offset).toBe(i) // offset deltas pass 63 and 8191 too
      expect(record.timestamp).toBe(expected[i].timestamp)
      expect(record.key === null ? null : record.key.length).toBe(expected[i].key === null ? null : expected[i].key!.length)
      expect(record.value === null ? null : record.value.equals(expected[i].value!)).toBe(expected[i].value === null ? null : true)
      expect(record.headers).toEqual(i % 5 === 0 ? [{key: 'h', value: Buffer.from('x')}] : [])
    })
  })
})
