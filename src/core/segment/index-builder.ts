/**
 * Both sparse indexes of a segment, built from its batches in log order: what recovery writes when
 * it rebuilds a segment's indexes and what compaction writes beside a cleaned segment. The cadence
 * is the writer's (partition-writer.ts indexLocked): an offset-index entry when at least
 * `index.interval.bytes` of log lie between the batch and the last indexed one (never for the
 * batch at position 0), and with it a time-index entry when the largest timestamp grew; a last
 * time-index entry at the end records the segment's largest timestamp.
 */
import {OffsetIndex} from './offset-index.js'
import {TimeIndex} from './time-index.js'

export class SegmentIndexBuilder {
  private readonly offsetEntries: Buffer[] = []
  private readonly timeEntries: Buffer[] = []
  private lastIndexedPosition = 0
  private maxTimestamp = Number.NEGATIVE_INFINITY
  private lastTimeIndexed = Number.NEGATIVE_INFINITY
  private pendingTime: {timestamp: number; offset: number} | undefined

  constructor(private readonly baseOffset: number, private readonly intervalBytes: number) {}

  /** The next batch of the segment: where it starts in the `.log`, its last offset, its largest timestamp. */
  add(batch: {position: number; lastOffset: number; maxTimestamp: number}): void {
    if (batch.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batch.maxTimestamp
      this.pendingTime = {timestamp: batch.maxTimestamp, offset: batch.lastOffset}
    }
    if (batch.position - this.lastIndexedPosition >= this.intervalBytes && batch.position > 0) {
      this.offsetEntries.push(OffsetIndex.encodeEntry(this.baseOffset, {offset: batch.lastOffset, position: batch.position}))
      this.lastIndexedPosition = batch.position
      this.flushTime()
    }
  }

  /** The contents of the `.index` and the `.timeindex`. */
  finish(): {index: Buffer; timeIndex: Buffer} {
    this.flushTime()
    return {index: Buffer.concat(this.offsetEntries), timeIndex: Buffer.concat(this.timeEntries)}
  }

  private flushTime(): void {
    if (this.pendingTime === undefined || this.pendingTime.timestamp <= this.lastTimeIndexed) return
    this.timeEntries.push(TimeIndex.encodeEntry(this.baseOffset, this.pendingTime.timestamp, this.pendingTime.offset))
    this.lastTimeIndexed = this.pendingTime.timestamp
    this.pendingTime = undefined
  }
}
