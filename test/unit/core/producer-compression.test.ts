/**
 * Compressed batches as strom's producer writes them: the header fields describe the records (the
 * count, last offset delta and timestamps of the uncompressed batch), the attributes carry the
 * codec, the CRC covers the compressed bytes, and RecordCursor decodes the same records.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {CODEC_NAMES, codecName} from '../../../src/core/format/compression.js'
import {crc32c} from '../../../src/core/format/crc32c.js'
import {BatchBuilder, RecordCursor, batchSizeAt, compressBatch, isBatchCrcValid, readBatchHeader} from '../../../src/core/format/record-batch.js'
import {segmentPaths} from '../../../src/core/segment/segment.js'
import {openLog, Topic} from '../../../src/core/log.js'
import {Producer, producedCodec} from '../../../src/core/producer.js'
import {tmpLogDir} from '../../helpers/strom.js'

const T0 = 1_767_225_600_000

/** 500 records with timestamps out of order (the max is not the last), keys, a null value and headers. */
function sealed(): Buffer {
  const builder = new BatchBuilder(1024)
  for (let i = 0; i < 500; i++) {
    const timestamp = T0 + (i === 250 ? 90_000 : i * 7)
    const headers = i % 50 === 0 ? [{key: 'h', value: Buffer.from(`v${i}`)}, {key: 'nul', value: null}] : undefined
    builder.add(i % 3 === 0 ? null : Buffer.from(`key-${i % 10}`), i === 499 ? null : Buffer.from(`value ${i} ${'z'.repeat(i % 60)}`), timestamp, headers)
  }
  return Buffer.from(builder.seal())
}

function records(batch: Buffer): Array<ReturnType<RecordCursor['toRecord']>> {
  const cursor = new RecordCursor()
  cursor.reset(batch, 0)
  const out = []
  while (cursor.next()) out.push(cursor.toRecord())
  return out
}

describe('compressBatch', () => {
  const plain = sealed()
  const plainHeader = readBatchHeader(plain)

  for (let codec = 1; codec < CODEC_NAMES.length; codec++) {
    it(`${codecName(codec)}: CRC and header fields right, records decode as the uncompressed batch's`, () => {
      const batch = compressBatch(plain, codec)
      const header = readBatchHeader(batch)
      expect(batch.length).toBeLessThan(plain.length)
      expect(header.batchLength).toBe(batch.length - 12)
      expect(header.attributes & 7).toBe(codec)
      expect(header.attributes & ~7).toBe(plainHeader.attributes & ~7)
      // The CRC-32C covers the attributes to the end: the compressed bytes.
      expect(header.crc).toBe(crc32c(batch, 21, batch.length))
      expect(isBatchCrcValid(batch, 0, batch.length)).toBe(true)
      expect(header.recordsCount).toBe(500)
      expect(header.lastOffsetDelta).toBe(499)
      expect(header.baseTimestamp).toBe(T0)
      expect(header.maxTimestamp).toBe(T0 + 90_000)
      expect({...header, batchLength: 0, crc: 0, attributes: 0}).toEqual({...plainHeader, batchLength: 0, crc: 0, attributes: 0})

      const cursor = new RecordCursor()
      cursor.reset(batch, 0)
      expect(cursor.codec).toBe(codec)
      const decoded = records(batch)
      expect(decoded).toEqual(records(plain))
      expect(decoded).toHaveLength(500)
      expect(decoded[250].timestamp).toBe(T0 + 90_000)
      expect(decoded[499]).toMatchObject({offset: 499, value: null})
      expect(decoded[0].key).toBeNull()
      expect(decoded[0].headers).toEqual([{key: 'h', value: Buffer.from('v0')}, {key: 'nul', value: null}])

      // A damaged compressed byte is caught by the CRC.
      batch[batch.length - 3] ^= 0xff
      expect(isBatchCrcValid(batch, 0, batch.length)).toBe(false)
    })
  }
})

describe('Producer compression', () => {
  function topicWith(config: Record<string, string>): Topic {
    return openLog({dir: tmpLogDir(), onWarning: () => {}}).createTopic('t', {partitions: 1, config})
  }

  it('uses the codec asked for, else the topic compression.type (producer, uncompressed and none: none)', () => {
    expect(producedCodec('zstd', 'lz4')).toBe(4)
    expect(producedCodec(undefined, 'lz4')).toBe(3)
    expect(producedCodec(undefined, 'producer')).toBe(0)
    expect(producedCodec(undefined, 'uncompressed')).toBe(0)
    expect(producedCodec(undefined, 'none')).toBe(0)
    expect(producedCodec('none', 'gzip')).toBe(0)
  })

  it('appends batches with the codec; offsets, offset index and reads from an offset as for uncompressed ones', () => {
    const topic = topicWith({'compression.type': 'snappy', 'index.interval.bytes': '100'})
    const producer = new Producer(topic, {batchBytes: 2048})
    for (let i = 0; i < 3000; i++) producer.send({value: `message ${i} ${'q'.repeat(i % 30)}`, timestamp: T0 + i})
    producer.flush()
    expect(fs.statSync(segmentPaths(topic.partitionDir(0), 0).index).size).toBeGreaterThan(0)

    const cursor = topic.reader(0).openCursor(1500)
    const codecs = new Set<number>()
    const values: string[] = []
    let firstBase = -1
    let next = -1
    for (let chunk = cursor.read(); chunk !== undefined; chunk = cursor.read()) {
      for (let at = chunk.start; at < chunk.end; at += batchSizeAt(chunk.buffer, at)) {
        const header = readBatchHeader(chunk.buffer, at)
        if (firstBase < 0) firstBase = header.baseOffset
        else expect(header.baseOffset).toBe(next)
        next = header.baseOffset + header.lastOffsetDelta + 1
        codecs.add(header.attributes & 7)
        const records = new RecordCursor()
        records.reset(chunk.buffer, at)
        while (records.next()) if (records.offset >= 1500) values.push(`${records.offset} ${records.value()!.toString()}`)
      }
    }
    cursor.close()
    producer.close()
    // The index took the read close to 1500, not to the start of the log.
    expect(firstBase).toBeGreaterThan(1000)
    expect(firstBase).toBeLessThanOrEqual(1500)
    expect(next).toBe(3000)
    expect([...codecs]).toEqual([2])
    expect(values).toHaveLength(1500)
    expect(values.slice(0, 3)).toEqual(['1500 message 1500 ', '1501 message 1501 q', '1502 message 1502 qq'])
  })

  it('appends a batch uncompressed when compression would push it past max.message.bytes', () => {
    const topic = topicWith({'max.message.bytes': '2000'})
    const appended: Buffer[] = []
    Object.assign(topic, {writer: () => ({append: (batch: Buffer) => (appended.push(Buffer.from(batch)), {baseOffset: 0, lastOffset: 0})})})
    const producer = new Producer(topic, {compression: 'snappy'})
    // Random bytes do not compress: the snappy framing makes the batch larger than the records.
    // The largest value a 2000-byte batch may take (the producer's size bound for a record).
    const random = crypto.randomBytes(2000 - 61 - (BatchBuilder.recordSizeUpperBound(-1, 1000) - 1000))
    producer.sendBytes(null, random, T0)
    producer.flush()
    producer.sendBytes(null, Buffer.from('small '.repeat(100)), T0)
    producer.flush()
    expect(appended.map((batch) => readBatchHeader(batch).attributes & 7)).toEqual([0, 2])
    expect(compressBatch(appended[0], 2).length).toBeGreaterThan(2000)
    expect(records(appended[0])[0].value).toEqual(random)
  })
})
