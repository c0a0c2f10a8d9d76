/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), bit for bit, and its default
 * partitioner for keyed records: toPositive(murmur2(key)) % numPartitions.
 */
export function murmur2(data: Uint8Array): number {
  return murmur2Range(data, 0, data.length)
}

/**
 * murmur2 of data[start, end): the produce hot path hashes a key where it lies in the input chunk,
 * without a slice object per record.
 */
export function murmur2Range(data: Uint8Array, start: number, end: number): number {
  const length = end - start
  const m = 0x5bd1e995
  const r = 24
  let h = 0x9747b28c ^ length
  const bodyEnd = start + (length & ~3)
  for (let i = start; i < bodyEnd; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
    k = Math.imul(k, m)
    k ^= k >>> r
    k = Math.imul(k, m)
    h = Math.imul(h, m)
    h ^= k
  }
  switch (length & 3) {
    case 3:
      h ^= data[bodyEnd + 2] << 16
    // falls through
    case 2:
      h ^= data[bodyEnd + 1] << 8
    // falls through
    case 1:
      h ^= data[bodyEnd]
      h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

export function toPositive(n: number): number {
  return n & 0x7fffffff
}

export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2Range(key, 0, key.length)) % numPartitions
}

/** The partition of the key data[start, end) (the same as partitionForKey of that slice). */
export function partitionForKeyRange(data: Uint8Array, start: number, end: number, numPartitions: number): number {
  return toPositive(murmur2Range(data, start, end)) % numPartitions
}
