import crypto from 'node:crypto'
import {createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'
import {crc32c, crc32cPortable, crc32cUpdate, loadCrc32cNative} from '../../../src/core/format/crc32c.js'

// Published CRC-32C check values: the "123456789" check value and the RFC 3720 (iSCSI) vectors.
const VECTORS: Array<[string, Buffer, number]> = [
  ['"123456789"', Buffer.from('123456789'), 0xe3069283],
  ['32 zero bytes', Buffer.alloc(32, 0), 0x8a9136aa],
  ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['ascending 0..31', Buffer.from(Array.from({length: 32}, (_, i) => i)), 0x46dd794e],
  ['descending 31..0', Buffer.from(Array.from({length: 32}, (_, i) => 31 - i)), 0x113fdb5c],
  ['empty', Buffer.alloc(0), 0],
]

describe('CRC-32C', () => {
  it.each(VECTORS)('matches the published value for %s (portable)', (_name, input, expected) => {
    expect(crc32cPortable(input)).toBe(expected)
  })
  it.each(VECTORS)('matches the published value for %s (in use)', (_name, input, expected) => {
    expect(crc32c(input)).toBe(expected)
  })
  it('loads the native implementation when its prebuilt package is installed', () => {
    let installed = false
    try {
      createRequire(import.meta.url).resolve(`@node-rs/crc32-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`)
      installed = true
    } catch {
      // not this platform's package: nothing to check
    }
    if (installed && !process.env.STROM_PORTABLE_CRC) expect(loadCrc32cNative()).toBe('native')
  })
  it('native and portable agree on random data and sub-ranges', () => {
    console.log(`CRC-32C implementation in use: ${loadCrc32cNative()}`)
    for (let i = 0; i < 50; i++) {
      const data = crypto.randomBytes(1 + Math.floor(Math.random() * 5000))
      const start = Math.floor(Math.random() * data.length)
      const end = start + Math.floor(Math.random() * (data.length - start))
      expect(crc32c(data, start, end)).toBe(crc32cPortable(data, start, end))
    }
  })
  it('native and portable agree on large buffers (the native one is used from 4 KiB)', () => {
    for (const size of [4095, 4096, 4097, 65536, 300_000]) {
      const data = crypto.randomBytes(size)
      expect(crc32c(data)).toBe(crc32cPortable(data))
      expect(crc32c(data, 1, size - 1)).toBe(crc32cPortable(data, 1, size - 1))
    }
  })
  it('can be computed incrementally', () => {
    const data = Buffer.from('123456789')
    expect(crc32cUpdate(crc32cUpdate(0, data, 0, 4), data, 4, 9)).toBe(0xe3069283)
  })
  it('is not zlib CRC-32/IEEE', () => {
    expect(crc32c(Buffer.from('123456789'))).not.toBe(0xcbf43926)
  })
})
