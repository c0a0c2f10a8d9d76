/**
 * The sparse offset index of one segment (`.index`), Kafka's layout:
 *
 *   entry (8 bytes) = relativeOffset int32 (offset - segment base) | position int32 (byte in .log)
 *
 * An entry says "the batch starting at `position` ends at offset base+relativeOffset". Entries are
 * appended (never preallocated) about every `index.interval.bytes` of log, under the partition
 * lock, after the batch itself is written. The index is derived data: a torn or inconsistent index
 * is rebuilt from the log, and readers that doubt it fall back to scanning from position 0.
 */
import {forEachEntry, lastBelow, readIndexFile} from './sparse-index.js'

export const OFFSET_INDEX_ENTRY_SIZE = 8

export interface OffsetIndexEntry {
  offset: number
  position: number
}

export class OffsetIndex {
  readonly offsets: number[]
  readonly positions: number[]

  constructor(offsets: number[] = [], positions: number[] = []) {
    this.offsets = offsets
    this.positions = positions
  }

  static decode(bytes: Buffer, baseOffset: number): OffsetIndex {
    const index = new OffsetIndex()
    forEachEntry(bytes, OFFSET_INDEX_ENTRY_SIZE, (at) => {
      index.offsets.push(baseOffset + bytes.readInt32BE(at))
      index.positions.push(bytes.readInt32BE(at + 4))
    })
    return index
  }

  static read(file: string, baseOffset: number): OffsetIndex | undefined {
    return readIndexFile(file, (bytes) => OffsetIndex.decode(bytes, baseOffset))
  }

  get length(): number {
    return this.offsets.length
  }

  last(): OffsetIndexEntry | undefined {
    const n = this.offsets.length
    return n === 0 ? undefined : {offset: this.offsets[n - 1], position: this.positions[n - 1]}
  }

  /** Entries strictly increase in offset and position and stay inside the log. */
  isConsistent(baseOffset: number, logSize: number): boolean {
    let previousOffset = baseOffset - 1
    let previousPosition = -1
    for (let i = 0; i < this.offsets.length; i++) {
      if (this.offsets[i] <= previousOffset || this.positions[i] <= previousPosition) return false
      if (this.positions[i] >= logSize) return false
      previousOffset = this.offsets[i]
      previousPosition = this.positions[i]
    }
    return true
  }

  /**
   * Byte position from which to scan for `targetOffset`: the start of the last indexed batch that
   * ends before the target (0 when none). Every batch at or after the returned position ends
   * at or after... nothing is skipped that could hold the target.
   */
  positionFor(targetOffset: number): number {
    const found = lastBelow(this.offsets, targetOffset)
    return found < 0 ? 0 : this.positions[found]
  }

  static encodeEntry(baseOffset: number, entry: OffsetIndexEntry): Buffer {
    const bytes = Buffer.allocUnsafe(OFFSET_INDEX_ENTRY_SIZE)
    bytes.writeInt32BE(entry.offset - baseOffset, 0)
    bytes.writeInt32BE(entry.position, 4)
    return bytes
  }
}
