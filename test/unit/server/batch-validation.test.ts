import fs from 'node:fs'
import path from 'node:path'
import {gzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {splitBatches, validateBatch} from '../../../src/server/batch-validation.js'
import {ERR} from '../../../src/server/protocol/error-codes.js'
import {computeBatchCrc, encodeBatch} from '../../../src/core/format/record-batch.js'

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures')
// The kafka-python batch of docs/serve.md ("What the clients send"): 81 bytes at the end of its Produce v7 request.
const frame = fs.readFileSync(path.join(FIXTURES, 'kafka-python-api0-v7.bin'))
const kafkaPythonBatch = () => Buffer.from(frame.subarray(frame.length - 81))

function reseal(batch: Buffer): Buffer {
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), 17)
  return batch
}

const check = (batch: Buffer, requireKeys = false, produceVersion = 11) => validateBatch(batch, 0, batch.length, requireKeys, 1 << 20, produceVersion)

describe('validation of batches sent by clients', () => {
  it("accepts kafka-python's batch and strom's own", () => {
    expect(check(kafkaPythonBatch())).toBeUndefined()
    expect(check(encodeBatch([{key: null, value: Buffer.from('a')}, {key: Buffer.from('k'), value: null, headers: [{key: 'h', value: null}]}]))).toBeUndefined()
  })

  it('refuses a flipped bit (CRC), another magic, and a batch that runs past the request', () => {
    const flipped = kafkaPythonBatch()
    flipped[70] ^= 1
    expect(check(flipped)?.errorCode).toBe(ERR.CORRUPT_MESSAGE)
    const magic1 = kafkaPythonBatch()
    magic1[16] = 1
    expect(check(magic1)?.errorCode).toBe(ERR.UNSUPPORTED_FOR_MESSAGE_FORMAT)
    expect(splitBatches(kafkaPythonBatch().subarray(0, 70))).toMatchObject({errorCode: ERR.CORRUPT_MESSAGE})
    expect(splitBatches(Buffer.alloc(0))).toMatchObject({errorCode: ERR.CORRUPT_MESSAGE})
  })

  it('walks records whose lengths take several varint bytes, with headers, and finds a lie in any field', () => {
    // Keys of 200 bytes and values of 70,000 (2- and 3-byte varints), two headers, a null value.
    const records = [
      {key: Buffer.alloc(200, 1), value: Buffer.alloc(70_000, 2), headers: [{key: 'h'.repeat(130), value: Buffer.alloc(300, 3)}, {key: 'n', value: null}]},
      {key: Buffer.from('k'), value: null},
    ]
    expect(check(encodeBatch(records))).toBeUndefined()
    // The first header's key length (130 -> zig-zag 260, varint 0x84 0x02) one byte too long, resealed.
    const batch = encodeBatch(records)
    const at = batch.indexOf(Buffer.from([0x84, 0x02, 0x68]))
    expect(at).toBeGreaterThan(61)
    batch[at] = 0x86
    expect(check(reseal(batch))).toMatchObject({errorCode: ERR.CORRUPT_MESSAGE})
    // A 6-byte varint for the first record's length.
    const long = encodeBatch([{key: null, value: Buffer.from('v')}])
    const tooLong = Buffer.concat([long.subarray(0, 61), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), long.subarray(62)])
    tooLong.writeInt32BE(tooLong.length - 12, 8)
    expect(check(reseal(tooLong))).toEqual({errorCode: ERR.CORRUPT_MESSAGE, message: 'varint too long'})
  })

  it('refuses records whose lengths lie, even under a valid CRC', () => {
    const lying = kafkaPythonBatch()
    lying[61] = 0x7e // record length 63, past the batch
    expect(check(reseal(lying))?.errorCode).toBe(ERR.CORRUPT_MESSAGE)
    const count = kafkaPythonBatch()
    count.writeInt32BE(2, 57)
    expect(check(reseal(count))?.errorCode).toBe(ERR.INVALID_RECORD)
  })

  it('refuses keyless records on compacted topics, records that are not what their codec says, and transactional batches', () => {
    expect(check(encodeBatch([{key: null, value: Buffer.from('v')}]), true)?.errorCode).toBe(ERR.INVALID_RECORD)
    expect(check(kafkaPythonBatch(), true)).toBeUndefined()
    const snappy = kafkaPythonBatch()
    snappy.writeInt16BE(2, 21)
    expect(check(reseal(snappy))?.errorCode).toBe(ERR.CORRUPT_MESSAGE)
    const transactional = kafkaPythonBatch()
    transactional.writeInt16BE(0x10, 21)
    expect(check(reseal(transactional))?.errorCode).toBe(ERR.INVALID_RECORD)
  })

  it('checks the records inside a gzip batch', () => {
    const plain = encodeBatch([{key: Buffer.from('k'), value: Buffer.from('v'.repeat(100))}])
    const compressed = gzipSync(plain.subarray(61))
    const batch = Buffer.concat([plain.subarray(0, 61), compressed])
    batch.writeInt32BE(batch.length - 12, 8)
    batch.writeInt16BE(1, 21)
    expect(check(reseal(batch))).toBeUndefined()
    const broken = Buffer.concat([plain.subarray(0, 61), Buffer.from('not gzip')])
    broken.writeInt32BE(broken.length - 12, 8)
    broken.writeInt16BE(1, 21)
    expect(check(reseal(broken))?.errorCode).toBe(ERR.CORRUPT_MESSAGE)
  })

  for (const [codec, name] of [[2, 'snappy'], [3, 'lz4'], [4, 'zstd']] as const) {
    it(`accepts ${name} batches, checks their records, and bounds their size by max.message.bytes`, () => {
      const records = Array.from({length: 50}, (_, i) => ({key: Buffer.from(`k${i}`), value: Buffer.from('v'.repeat(1000))}))
      const batch = encodeBatch(records, {compression: codec})
      expect(batch.readInt16BE(21) & 7).toBe(codec)
      expect(check(batch)).toBeUndefined()
      // 50 KB of records in a batch of a few hundred bytes: over a 10 KB limit they are refused.
      expect(validateBatch(batch, 0, batch.length, false, 10_000, 11)).toEqual({errorCode: ERR.MESSAGE_TOO_LARGE, message: `${name} data decompresses to more than 10000 bytes (max.message.bytes)`})
      const keyless = encodeBatch([{key: null, value: Buffer.from('x')}], {compression: codec})
      expect(check(keyless, true)?.errorCode).toBe(ERR.INVALID_RECORD)
      // Cut short: the compressed data ends early.
      const broken = Buffer.from(batch.subarray(0, batch.length - 8))
      broken.writeInt32BE(broken.length - 12, 8)
      expect(check(reseal(broken))?.errorCode).toBe(ERR.CORRUPT_MESSAGE)
    })
  }

  it('refuses zstd batches in Produce below v7 (UNSUPPORTED_COMPRESSION_TYPE, as Kafka), and no other codec there', () => {
    const records = [{key: Buffer.from('k'), value: Buffer.from('v')}]
    const zstd = encodeBatch(records, {compression: 4})
    expect(check(zstd, false, 6)).toEqual({errorCode: ERR.UNSUPPORTED_COMPRESSION_TYPE, message: 'zstd batch in Produce v6 (zstd needs v7 or later, as in Kafka)'})
    expect(check(zstd, false, 3)?.errorCode).toBe(ERR.UNSUPPORTED_COMPRESSION_TYPE)
    expect(check(zstd, false, 7)).toBeUndefined()
    for (const codec of [0, 1, 2, 3]) expect(check(encodeBatch(records, {compression: codec}), false, 3)).toBeUndefined()
  })

  it('refuses the codecs Kafka does not have (5-7)', () => {
    const batch = encodeBatch([{key: null, value: Buffer.from('a')}])
    batch.writeInt16BE(5, 21)
    expect(check(reseal(batch))?.errorCode).toBe(ERR.UNSUPPORTED_COMPRESSION_TYPE)
  })
})
