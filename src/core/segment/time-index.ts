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
import {readInt64, writeInt64} from '../format/record-batch.js'
import {forEachEntry, lastBelow, readIndexFile} from './sparse-index.js'

export const TIME_INDEX_ENTRY_SIZE = 12

export class TimeIndex {
  readonly timestamps: number[] = []
  readonly offsets: number[] = []

  static decode(bytes: Buffer, baseOffset: number): TimeIndex {
    const index = new TimeIndex()
    forEachEntry(bytes, TIME_INDEX_ENTRY_SIZE, (at) => {
      index.timestamps.push(readInt64(bytes, at))
      index.offsets.push(baseOffset + bytes.readInt32BE(at + 8))
    })
    return index
  }

  static read(file: string, baseOffset: number): TimeIndex | undefined {
    return readIndexFile(file, (bytes) => TimeIndex.decode(bytes, baseOffset))
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
    const found = lastBelow(this.timestamps, targetTimestamp)
    return found < 0 ? undefined : this.offsets[found]
  }

  static encodeEntry(baseOffset: number, timestamp: number, offset: number): Buffer {
    const bytes = Buffer.allocUnsafe(TIME_INDEX_ENTRY_SIZE)
    writeInt64(bytes, 0, timestamp)
    bytes.writeInt32BE(offset - baseOffset, 8)
    return bytes
  }
}
