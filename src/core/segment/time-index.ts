/**
 * The sparse time index of one segment (`.timeindex`), Kafka's layout:
 *
 *   entry (12 bytes) = timestamp int64 | relativeOffset int32
 *
 * An entry (T, O) says: every record up to and including offset O has a timestamp <= T, and T was
 * the largest timestamp seen so far. Entries are appended with the offset index, only when the
 * largest timestamp grew, so timestamps strictly increase. Like the offset index it is derived
 * data, rebuilt from the log when it is missing or inconsistent.
 */
import fs from 'node:fs'
import {readInt64, writeInt64} from '../format/record-batch.js'

export const TIME_INDEX_ENTRY_SIZE = 12

export class TimeIndex {
  readonly timestamps: number[] = []
  readonly offsets: number[] = []

  static decode(bytes: Buffer, baseOffset: number): TimeIndex {
    const usable = bytes.length - (bytes.length % TIME_INDEX_ENTRY_SIZE)
    const index = new TimeIndex()
    for (let at = 0; at < usable; at += TIME_INDEX_ENTRY_SIZE) {
      index.timestamps.push(readInt64(bytes, at))
      index.offsets.push(baseOffset + bytes.readInt32BE(at + 8))
    }
    return index
  }

  static read(file: string, baseOffset: number): TimeIndex | undefined {
    try {
      return TimeIndex.decode(fs.readFileSync(file), baseOffset)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  get length(): number {
    return this.timestamps.length
  }

  lastTimestamp(): number | undefined {
    return this.timestamps.length === 0 ? undefined : this.timestamps[this.timestamps.length - 1]
  }

  isConsistent(baseOffset: number): boolean {
    for (let i = 0; i < this.timestamps.length; i++) {
      if (this.offsets[i] < baseOffset) return false
      if (i > 0 && (this.timestamps[i] <= this.timestamps[i - 1] || this.offsets[i] < this.offsets[i - 1])) return false
    }
    return true
  }

  /**
   * The offset after which the first record with timestamp >= target must lie: the offset of the
   * last entry whose timestamp is below the target (every record up to it is older), or undefined
   * when the scan must start at the segment's beginning.
   */
  offsetBefore(targetTimestamp: number): number | undefined {
    let lo = 0
    let hi = this.timestamps.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.timestamps[mid] < targetTimestamp) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found < 0 ? undefined : this.offsets[found]
  }

  static encodeEntry(baseOffset: number, timestamp: number, offset: number): Buffer {
    const bytes = Buffer.allocUnsafe(TIME_INDEX_ENTRY_SIZE)
    writeInt64(bytes, 0, timestamp)
    bytes.writeInt32BE(offset - baseOffset, 8)
    return bytes
  }
}
