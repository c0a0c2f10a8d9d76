import {gzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {
  CODEC_GZIP, CODEC_LZ4, CODEC_SNAPPY, CODEC_ZSTD, DecompressionError, codecId, codecName, compressRecords, decompressRecords, xxh32,
} from '../../../src/core/format/compression.js'

const TEXT = Buffer.from('hello hello hello kafka '.repeat(20))

// Made by python3 (Debian 12) from TEXT: lz4.frame.compress (python3-lz4 4.0.2: block-independent
// frame, 64 KiB blocks), snappy.compress (python3-snappy, a raw block), kafka.codec.snappy_encode
// with xerial_compatible=True and 100-byte blocks (kafka-python 2.0.2), zstandard's
// ZstdCompressor().compress (a single-segment frame with its content size), gzip.compress(mtime=0).
const VECTORS: Array<[string, number, string]> = [
  ['lz4 (python lz4.frame)', CODEC_LZ4, '04224d186040821f0000006868656c6c6f200600596b61666b611200021e000f1800ff9f5061666b612000000000'],
  ['raw snappy (python-snappy)', CODEC_SNAPPY, 'e0031468656c6c6f202e0600106b61666b61321200091efe1800fe1800fe1800fe1800fe1800fe1800d61800'],
  ['xerial snappy (kafka-python)', CODEC_SNAPPY, '82534e4150505900000000010000000100000019641468656c6c6f202e0600106b61666b61321200091ee618000000001864146f2068656c6c1106106b61666b61321200091ef618000000001b64146c6c6f2068650106106b61666b610d0c09120906ee1800091800000018642c68656c6c6f206b61666b6120090c2e0600fe180009180000001550306f206b61666b612068656c6c6f320600d61800'],
  ['zstd (python zstandard)', CODEC_ZSTD, '28b52ffd60e000cd00005868656c6c6f206b61666b610400b33b15000cd43c74b85204'],
  ['gzip (python gzip)', CODEC_GZIP, '1f8b0800000000000203cb48cdc9c957c84022b313d3b213514446c587ae3800b26f5de5e0010000'],
]

describe('record compression codecs', () => {
  it('names the codecs as Kafka does', () => {
    expect([0, 1, 2, 3, 4, 5].map(codecName)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd', 'codec 5'])
    expect(codecId('lz4')).toBe(3)
    expect(codecId('brotli')).toBeUndefined()
  })

  it('computes xxHash32 as the reference does', () => {
    // Published check values of XXH32 with seed 0.
    expect(xxh32(Buffer.alloc(0), 0, 0)).toBe(0x02cc5d05)
    expect(xxh32(Buffer.from('a'), 0, 1)).toBe(0x550d7456)
    expect(xxh32(Buffer.from('abc'), 0, 3)).toBe(0x32d153ff)
    expect(xxh32(Buffer.from('Nobody inspects the spammish repetition'), 0, 39)).toBe(0xe2293b2f)
  })

  for (const [name, codec, hex] of VECTORS) {
    it(`decodes ${name} bytes made by another implementation`, () => {
      expect(decompressRecords(codec, Buffer.from(hex, 'hex'), 1 << 20).equals(TEXT)).toBe(true)
    })
  }

  const big = Buffer.concat(Array.from({length: 30000}, (_, i) => Buffer.from(`record ${i} ${(i * 2654435761 >>> 0).toString(16)} filler text\n`)))
  for (const codec of [CODEC_GZIP, CODEC_SNAPPY, CODEC_LZ4, CODEC_ZSTD]) {
    it(`${codecName(codec)}: round-trips ${big.length} bytes, smaller than they were, and stops at the limit`, () => {
      const compressed = compressRecords(codec, big)
      expect(compressed.length).toBeLessThan(big.length / 2)
      expect(decompressRecords(codec, compressed, big.length).equals(big)).toBe(true)
      expect(() => decompressRecords(codec, compressed, big.length - 1)).toThrow(new DecompressionError(`${codecName(codec)} data decompresses to more than ${big.length - 1} bytes`))
      expect(compressRecords(codec, Buffer.alloc(0)).length).toBeGreaterThan(0)
      expect(decompressRecords(codec, compressRecords(codec, Buffer.alloc(0)), 10).length).toBe(0)
    })
  }

  it('writes snappy in the xerial framing of snappy-java (what Kafka\'s Java client writes), 32 KiB blocks', () => {
    const framed = compressRecords(CODEC_SNAPPY, big)
    expect(framed.subarray(0, 16).toString('hex')).toBe('82534e415050590000000001' + '00000001')
    let blocks = 0
    for (let at = 16; at < framed.length; at += 4 + framed.readInt32BE(at)) blocks++
    expect(blocks).toBe(Math.ceil(big.length / 32768))
  })

  it('writes an LZ4 frame with a correct header checksum (KIP-57)', () => {
    const frame = compressRecords(CODEC_LZ4, TEXT)
    expect(frame.readUInt32LE(0)).toBe(0x184d2204)
    expect(frame[6]).toBe((xxh32(frame, 4, 6) >>> 8) & 0xff)
  })

  it('writes LZ4 frames as Kafka reads them: independent 64 KiB blocks (Kafka refuses dependent ones)', () => {
    // 300 KiB whose blocks repeat each other: a block that could refer back into the one before must not.
    const data = Buffer.from(Array.from({length: 300 * 1024}, (_, i) => `${i % 4000} `).join('').slice(0, 300 * 1024))
    const frame = compressRecords(CODEC_LZ4, data)
    expect(frame.length).toBeLessThan(data.length / 2)
    expect(frame[4]).toBe(0x60) // version 1, block independence, no checksums
    expect(frame[5]).toBe(0x40) // 64 KiB blocks
    expect(decompressRecords(CODEC_LZ4, frame, data.length)).toEqual(data)
    // Each block, alone in a frame of its own, decodes to its 64 KiB of the data.
    const header = frame.subarray(0, 7)
    let at = 7
    let decoded = 0
    for (let size = frame.readUInt32LE(at); size !== 0; size = frame.readUInt32LE(at)) {
      const length = 4 + (size & 0x7fffffff)
      const alone = Buffer.concat([header, frame.subarray(at, at + length), Buffer.alloc(4)])
      const block = decompressRecords(CODEC_LZ4, alone, 64 * 1024)
      expect(block).toEqual(data.subarray(decoded, decoded + 64 * 1024))
      decoded += block.length
      at += length
    }
    expect(decoded).toBe(data.length)
    expect(at + 4).toBe(frame.length)
  })

  it('keeps LZ4 blocks within the end rules strict decoders (liblz4, lz4-java) enforce', () => {
    // Inputs whose matches run to the very end of a block: a strict decoder refuses a match that
    // starts within the last 12 bytes (MFLIMIT) or ends within the last 5 (LASTLITERALS).
    const inputs = [
      Buffer.from(Array.from({length: 20000}, (_, i) => `${i}\n`).join('')),
      Buffer.alloc(100, 'a'),
      Buffer.from('abcdabcdabcdabcdabcdabcd'),
      Buffer.from('hello hello hello kafka '.repeat(3000)),
    ]
    for (const data of inputs) {
      const frame = compressRecords(CODEC_LZ4, data)
      expect(decompressRecords(CODEC_LZ4, frame, data.length)).toEqual(data)
      for (let at = 7, size = frame.readUInt32LE(at); size !== 0; at += 4 + (size & 0x7fffffff), size = frame.readUInt32LE(at)) {
        if ((size & 0x80000000) !== 0) continue
        checkEndRules(frame.subarray(at + 4, at + 4 + size))
      }
    }
  })

  it('stores an incompressible LZ4 block uncompressed (the size word\'s high bit)', () => {
    const random = Buffer.from(Array.from({length: 1000}, () => Math.floor(Math.random() * 256)))
    const frame = compressRecords(CODEC_LZ4, random)
    expect(frame.readUInt32LE(7)).toBe((0x80000000 | 1000) >>> 0)
    expect(decompressRecords(CODEC_LZ4, frame, 1000)).toEqual(random)
  })

  it('refuses hostile and damaged data without allocating what it claims', () => {
    // An lz4 frame that declares 2^40 bytes of content.
    const lz4Header = Buffer.from('04224d184840' + '0000000000010000', 'hex')
    const claim = Buffer.concat([lz4Header, Buffer.from([(xxh32(lz4Header, 4, lz4Header.length) >>> 8) & 0xff]), Buffer.alloc(4)])
    expect(() => decompressRecords(CODEC_LZ4, claim, 1 << 20)).toThrow(/decompresses to more than 1048576 bytes/)
    // The python vector with the header checksum of old Kafka (over the magic too, KIP-57).
    const lz4 = Buffer.from(VECTORS[0][2], 'hex')
    lz4[6] = (xxh32(lz4, 0, 6) >>> 8) & 0xff
    expect(() => decompressRecords(CODEC_LZ4, lz4, 1 << 20)).toThrow('lz4 frame header checksum mismatch')
    // A snappy block that says it holds 1 GiB.
    expect(() => decompressRecords(CODEC_SNAPPY, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0x00]), 1 << 20)).toThrow(/more than 1048576/)
    // A zstd frame that declares 4 GiB.
    expect(() => decompressRecords(CODEC_ZSTD, Buffer.from('28b52ffd80ffffffff00', 'hex'), 1 << 20)).toThrow(/more than 1048576/)
    // A gzip bomb: 16 MiB of zeros in 16 KiB.
    const bomb = gzipSync(Buffer.alloc(16 << 20))
    expect(() => decompressRecords(CODEC_GZIP, bomb, 1 << 20)).toThrow(/more than 1048576/)
    for (const codec of [CODEC_GZIP, CODEC_SNAPPY, CODEC_LZ4, CODEC_ZSTD]) {
      expect(() => decompressRecords(codec, Buffer.from('not compressed at all'), 1 << 20)).toThrow(DecompressionError)
    }
    expect(() => decompressRecords(5, Buffer.alloc(8), 10)).toThrow('codec 5 is not a compression codec')
  })
})

/** Walks an LZ4 block's sequences and checks the end rules of the block format against its decoded length. */
function checkEndRules(block: Buffer): void {
  const sequences: Array<{matchStart: number; matchEnd: number}> = []
  let s = 0
  let out = 0
  const length = () => {
    let n = 0
    let b: number
    do {
      b = block[s++]
      n += b
    } while (b === 255)
    return n
  }
  for (;;) {
    const token = block[s++]
    let literals = token >>> 4
    if (literals === 15) literals += length()
    s += literals
    out += literals
    if (s === block.length) break
    s += 2
    let match = (token & 15) + 4
    if ((token & 15) === 15) match += length()
    sequences.push({matchStart: out, matchEnd: out + match})
    out += match
  }
  for (const {matchStart, matchEnd} of sequences) {
    expect(matchStart).toBeLessThanOrEqual(out - 12)
    expect(matchEnd).toBeLessThanOrEqual(out - 5)
  }
  expect(out - (sequences.at(-1)?.matchEnd ?? 0)).toBeGreaterThanOrEqual(Math.min(5, out))
}
