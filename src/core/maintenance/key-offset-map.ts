/**
 * Compaction's dedupe map: the latest offset of each key, for keys read straight out of record
 * batches. Kafka's cleaner keeps a fixed-size map of key digests (`SkimpyOffsetMap`, MD5); this one
 * is exact (two keys are the same only when their bytes are) and costs no allocation per record,
 * which a `Map<string, number>` did (a Buffer slice and a string per record: a third of a
 * compaction pass's CPU).
 *
 * Layout: open addressing with linear probing over power-of-two slot arrays, at most half full.
 *   slotLength[i]  key length + 1 (0: empty slot; a key may be empty, which is not a null key)
 *   slotHash[i]    murmur3_32 of the key bytes (compared before the bytes)
 *   slotKeyAt[i]   where the key's bytes start in `arena` (every key stored once, appended)
 *   slotOffset[i]  the latest offset seen for the key
 */
import {StromError} from '../errors.js'

const MAX_ARENA_BYTES = 2 ** 31 - 1

export class KeyOffsetMap {
  private capacity = 1 << 10
  private slotLength = new Int32Array(this.capacity)
  private slotHash = new Int32Array(this.capacity)
  private slotKeyAt = new Float64Array(this.capacity)
  private slotOffset = new Float64Array(this.capacity)
  private arena = Buffer.allocUnsafe(1 << 16)
  private arenaUsed = 0
  private count = 0

  /** How many distinct keys the map holds. */
  get size(): number {
    return this.count
  }

  /** Records `offset` as the latest for the key `data[start, start + length)` (later calls win). */
  put(data: Buffer, start: number, length: number, offset: number): void {
    const hash = murmur3(data, start, length, 0)
    const slot = this.find(data, start, length, hash)
    if (this.slotLength[slot] !== 0) {
      this.slotOffset[slot] = offset
      return
    }
    this.slotLength[slot] = length + 1
    this.slotHash[slot] = hash
    this.slotKeyAt[slot] = this.store(data, start, length)
    this.slotOffset[slot] = offset
    if (++this.count * 2 > this.capacity) this.grow()
  }

  /** The latest offset recorded for the key, or -1 when it was never put. */
  get(data: Buffer, start: number, length: number): number {
    const slot = this.find(data, start, length, murmur3(data, start, length, 0))
    return this.slotLength[slot] === 0 ? -1 : this.slotOffset[slot]
  }

  /** Calls `visit` with the latest offset of every key (in no particular order). */
  forEachOffset(visit: (offset: number) => void): void {
    for (let slot = 0; slot < this.capacity; slot++) if (this.slotLength[slot] !== 0) visit(this.slotOffset[slot])
  }

  /** The slot holding the key, or the empty slot where it would go. */
  private find(data: Buffer, start: number, length: number, hash: number): number {
    const mask = this.capacity - 1
    let slot = hash & mask
    for (;;) {
      const stored = this.slotLength[slot]
      if (stored === 0) return slot
      if (stored === length + 1 && this.slotHash[slot] === hash && this.sameBytes(this.slotKeyAt[slot], data, start, length)) return slot
      slot = (slot + 1) & mask
    }
  }

  private sameBytes(at: number, data: Buffer, start: number, length: number): boolean {
    const arena = this.arena
    // Short keys (the usual ids) compare faster here than through a native call.
    if (length <= 16) {
      for (let i = 0; i < length; i++) if (arena[at + i] !== data[start + i]) return false
      return true
    }
    return arena.compare(data, start, start + length, at, at + length) === 0
  }

  private store(data: Buffer, start: number, length: number): number {
    if (this.arenaUsed + length > this.arena.length) {
      const needed = this.arenaUsed + length
      if (needed > MAX_ARENA_BYTES) {
        throw new StromError('UNSUPPORTED', `compaction found more than ${MAX_ARENA_BYTES} bytes of distinct keys in one pass`, {
          hint: 'compact more often (a lower min.cleanable.dirty.ratio) or use shorter keys',
        })
      }
      const bigger = Buffer.allocUnsafe(Math.min(MAX_ARENA_BYTES, Math.max(needed, this.arena.length * 2)))
      this.arena.copy(bigger, 0, 0, this.arenaUsed)
      this.arena = bigger
    }
    const at = this.arenaUsed
    data.copy(this.arena, at, start, start + length)
    this.arenaUsed += length
    return at
  }

  private grow(): void {
    const {slotLength, slotHash, slotKeyAt, slotOffset, capacity} = this
    this.capacity = capacity * 2
    this.slotLength = new Int32Array(this.capacity)
    this.slotHash = new Int32Array(this.capacity)
    this.slotKeyAt = new Float64Array(this.capacity)
    this.slotOffset = new Float64Array(this.capacity)
    const mask = this.capacity - 1
    for (let i = 0; i < capacity; i++) {
      if (slotLength[i] === 0) continue
      let slot = slotHash[i] & mask
      while (this.slotLength[slot] !== 0) slot = (slot + 1) & mask
      this.slotLength[slot] = slotLength[i]
      this.slotHash[slot] = slotHash[i]
      this.slotKeyAt[slot] = slotKeyAt[i]
      this.slotOffset[slot] = slotOffset[i]
    }
  }
}

/** MurmurHash3 x86_32 of `data[start, start + length)` (Austin Appleby's reference; little-endian blocks). */
export function murmur3(data: Buffer, start: number, length: number, seed: number): number {
  let h = seed | 0
  const blocksEnd = start + (length & ~3)
  let i = start
  for (; i < blocksEnd; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  let k = 0
  switch (length & 3) {
    case 3:
      k ^= data[i + 2] << 16
    // falls through
    case 2:
      k ^= data[i + 1] << 8
    // falls through
    case 1:
      k ^= data[i]
      k = Math.imul(k, 0xcc9e2d51)
      k = (k << 15) | (k >>> 17)
      k = Math.imul(k, 0x1b873593)
      h ^= k
  }
  h ^= length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}
