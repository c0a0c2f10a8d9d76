import {describe, expect, it} from 'vitest'
import {KeyOffsetMap, murmur3} from '../../../src/core/maintenance/key-offset-map.js'

const hash = (text: string, seed: number) => murmur3(Buffer.from(text, 'latin1'), 0, text.length, seed) >>> 0

describe('murmur3 (x86, 32-bit)', () => {
  it('gives the reference implementation\'s values', () => {
    expect(hash('', 0)).toBe(0)
    expect(hash('', 1)).toBe(0x514e28b7)
    expect(hash('', 0xffffffff)).toBe(0x81f16f39)
    expect(hash('\0\0\0\0', 0)).toBe(0x2362f9de)
    expect(hash('aaaa', 0x9747b28c)).toBe(0x5a97808a)
    expect(hash('abc', 0)).toBe(0xb3dd93fa)
    expect(hash('Hello, world!', 0x9747b28c)).toBe(0x24884cba)
    expect(hash('The quick brown fox jumps over the lazy dog', 0x9747b28c)).toBe(0x2fa826cd)
  })

  it('hashes a range of a buffer, not the buffer', () => {
    const buf = Buffer.from('xxabcyy', 'latin1')
    expect(murmur3(buf, 2, 3, 0) >>> 0).toBe(0xb3dd93fa)
  })
})

describe('KeyOffsetMap', () => {
  it('keeps the last offset put for each key, keys compared by their bytes wherever they lie', () => {
    const map = new KeyOffsetMap()
    const a = Buffer.from('..key-1..')
    const b = Buffer.from('key-1')
    map.put(a, 2, 5, 10)
    map.put(b, 0, 5, 11)
    expect(map.size).toBe(1)
    expect(map.get(Buffer.from('[key-1]'), 1, 5)).toBe(11)
    expect(map.get(b, 0, 4)).toBe(-1) // 'key-' is another key
    map.put(b, 0, 0, 3) // the empty key is a key
    expect(map.get(a, 0, 0)).toBe(3)
    expect(map.size).toBe(2)
  })

  it('agrees with a Map of strings over 200,000 random short and long keys (growth, collisions of the slot, overwrites)', () => {
    const map = new KeyOffsetMap()
    const reference = new Map<string, number>()
    let seed = 42
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0)
    const pool = Buffer.alloc(1 << 16)
    for (let i = 0; i < pool.length; i++) pool[i] = random() & 0x0f // few byte values: many near-equal keys
    for (let offset = 0; offset < 200_000; offset++) {
      const length = random() % 5 === 0 ? 17 + (random() % 40) : random() % 6
      const start = random() % (pool.length - length)
      map.put(pool, start, length, offset)
      reference.set(pool.toString('latin1', start, start + length), offset)
    }
    expect(map.size).toBe(reference.size)
    for (const [key, offset] of reference) {
      const bytes = Buffer.from(key, 'latin1')
      expect(map.get(bytes, 0, bytes.length)).toBe(offset)
    }
    expect(map.get(Buffer.from('not-in-the-pool'), 0, 15)).toBe(-1)
  })
})
