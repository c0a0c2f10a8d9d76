import {describe, expect, it} from 'vitest'
import {murmur2, murmur2Range, partitionForKey, partitionForKeyRange, toPositive} from '../../../src/core/topic/murmur2.js'

// Vectors from Apache Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
const KAFKA_MURMUR2: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
]

describe("Kafka's murmur2", () => {
  it.each(KAFKA_MURMUR2)('murmur2(%s) = %i', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected)
  })

  it('handles every tail length and the empty key', () => {
    // Tail lengths 0..3 go through different branches; the results must be stable 32-bit ints.
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'abcde']) {
      const value = murmur2(Buffer.from(key))
      expect(Number.isInteger(value)).toBe(true)
      expect(value).toBeGreaterThanOrEqual(-(2 ** 31))
      expect(value).toBeLessThan(2 ** 31)
    }
  })

  it('places keys as the default partitioner does: toPositive(murmur2(key)) % partitions', () => {
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff)
    for (const [key, hash] of KAFKA_MURMUR2) {
      for (const partitions of [1, 3, 6, 12, 100]) expect(partitionForKey(Buffer.from(key), partitions)).toBe((hash & 0x7fffffff) % partitions)
    }
  })

  it.each(KAFKA_MURMUR2)('hashes %s where it lies inside a larger buffer (murmur2Range)', (key, expected) => {
    // The key at an odd offset, between bytes that must not be read, as in a stdin chunk.
    const buf = Buffer.concat([Buffer.from('\xff\xfe\n', 'latin1'), Buffer.from(key), Buffer.from(':\xff\xff\xff', 'latin1')])
    expect(murmur2Range(buf, 3, 3 + key.length)).toBe(expected)
    for (const partitions of [1, 4, 7]) expect(partitionForKeyRange(buf, 3, 3 + key.length, partitions)).toBe((expected & 0x7fffffff) % partitions)
  })

  it('gives a range the hash of the same bytes on their own, for every tail length and offset', () => {
    const bytes = Buffer.from('0123456789abcdef\x80\xff\x00zyx', 'latin1')
    for (let start = 0; start < 8; start++) {
      for (let end = start; end <= bytes.length; end++) expect(murmur2Range(bytes, start, end)).toBe(murmur2(Buffer.from(bytes.subarray(start, end))))
    }
    // The empty key: seed ^ 0, no body, no tail (a fixed value, also from the Java code path).
    expect(murmur2Range(bytes, 5, 5)).toBe(murmur2(Buffer.alloc(0)))
    expect(murmur2(Buffer.alloc(0))).toBe(275646681)
  })
})
