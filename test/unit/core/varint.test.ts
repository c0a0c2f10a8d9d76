import {describe, expect, it} from 'vitest'
import {readUnsignedVarint, readVarint, readVarlong, varintSize, varlongSize, writeUnsignedVarint, writeVarint, writeVarlong} from '../../../src/core/format/varint.js'

// Encodings from Kafka's ByteUtilsTest (zig-zag varints): value → bytes.
const VARINT_VECTORS: Array<[number, string]> = [
  [0, '00'],
  [-1, '01'],
  [1, '02'],
  [63, '7e'],
  [-64, '7f'],
  [64, '8001'],
  [-65, '8101'],
  [8191, 'fe7f'],
  [-8192, 'ff7f'],
  [8192, '808001'],
  [2147483647, 'feffffff0f'],
  [-2147483648, 'ffffffff0f'],
]

describe('zig-zag varint', () => {
  it.each(VARINT_VECTORS)('%i encodes as %s and decodes back', (value, hex) => {
    const buf = Buffer.alloc(10)
    const end = writeVarint(buf, 0, value)
    expect(buf.subarray(0, end).toString('hex')).toBe(hex)
    expect(varintSize(value)).toBe(end)
    const pos = {o: 0}
    expect(readVarint(buf, pos)).toBe(value)
    expect(pos.o).toBe(end)
  })
})

describe('zig-zag varlong', () => {
  // Zig-zag doubles the magnitude, so with JS numbers the exact range is ±2^52 (timestamp deltas need far less).
  it('round-trips up to ±2^52, including values past 32 bits', () => {
    for (const value of [0, -1, 1, 63, -64, 64, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 5, -(2 ** 45), 2 ** 52, -(2 ** 52), 1_700_000_000_000]) {
      const buf = Buffer.alloc(12)
      const end = writeVarlong(buf, 0, value)
      expect(varlongSize(value)).toBe(end)
      const pos = {o: 0}
      expect(readVarlong(buf, pos)).toBe(value)
      expect(pos.o).toBe(end)
    }
  })
  it('agrees with varint encoding for 32-bit values', () => {
    for (const [value, hex] of VARINT_VECTORS) {
      const buf = Buffer.alloc(12)
      expect(buf.subarray(0, writeVarlong(buf, 0, value)).toString('hex')).toBe(hex)
    }
  })
})

describe('unsigned varint (flexible protocol)', () => {
  it('round-trips', () => {
    for (const [value, hex] of [[0, '00'], [127, '7f'], [128, '8001'], [300, 'ac02'], [2 ** 32 - 1, 'ffffffff0f']] as Array<[number, string]>) {
      const buf = Buffer.alloc(10)
      const end = writeUnsignedVarint(buf, 0, value)
      expect(buf.subarray(0, end).toString('hex')).toBe(hex)
      expect(readUnsignedVarint(buf, {o: 0})).toBe(value)
    }
  })
})
