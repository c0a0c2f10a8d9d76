/**
 * A cheap description of each segment of a partition: size, end offset and largest timestamp,
 * from the indexes plus a header scan of the bytes after the last index entry (never a full read).
 * Retention decides on these, `topic describe` shows holds with them.
 */
import fs from 'node:fs'
import {Segment} from '../segment/segment.js'
import {listSegmentBases, readLogStartCheckpoint} from '../partition/partition-files.js'
import {scanBatches} from '../segment/batch-scan.js'

export interface SegmentInfo {
  baseOffset: number
  /** Offset after the segment's last record (the next segment's base for a closed segment). */
  endOffset: number
  sizeBytes: number
  /** Largest record timestamp, or the file's mtime when the segment has none (as Kafka does). */
  largestTimestamp: number
  active: boolean
}

export function describeSegments(partitionDir: string): SegmentInfo[] {
  const bases = listSegmentBases(partitionDir)
  const segments: SegmentInfo[] = []
  for (let i = 0; i < bases.length; i++) {
    const info = describeSegment(partitionDir, bases[i], i === bases.length - 1)
    if (info === undefined) continue
    // A closed segment ends where the next begins: gaps left by compaction belong to it.
    if (i < bases.length - 1) info.endOffset = Math.max(info.endOffset, bases[i + 1])
    segments.push(info)
  }
  return segments
}

export function describeSegment(partitionDir: string, base: number, active: boolean): SegmentInfo | undefined {
  const segment = new Segment(partitionDir, base)
  let fd: number
  try {
    fd = fs.openSync(segment.paths.log, 'r')
  } catch {
    return undefined // deleted while we looked
  }
  try {
    const stat = fs.fstatSync(fd)
    const index = segment.readOffsetIndex()
    const timeIndex = segment.readTimeIndex()
    const last = index?.last()
    const from = last !== undefined && last.position < stat.size ? last.position : 0
    let largest = timeIndex?.lastTimestamp() ?? Number.NEGATIVE_INFINITY
    let scan = scanBatches(fd, from, stat.size, {verifyCrc: false, onBatch: (batch) => void (largest = Math.max(largest, batch.maxTimestamp))})
    if (from > 0 && scan.stop === 'corrupt' && scan.validEnd === from) {
      scan = scanBatches(fd, 0, stat.size, {verifyCrc: false, onBatch: (batch) => void (largest = Math.max(largest, batch.maxTimestamp))})
    }
    return {
      baseOffset: base,
      endOffset: scan.lastBatch === undefined ? base : scan.lastBatch.lastOffset + 1,
      sizeBytes: stat.size,
      largestTimestamp: Number.isFinite(largest) && largest >= 0 ? largest : stat.mtimeMs,
      active,
    }
  } finally {
    fs.closeSync(fd)
  }
}

export function logStartOffset(partitionDir: string, segments: SegmentInfo[]): number {
  return Math.max(segments[0]?.baseOffset ?? 0, readLogStartCheckpoint(partitionDir))
}
