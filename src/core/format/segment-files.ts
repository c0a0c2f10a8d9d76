/**
 * Segment file names, as Kafka writes them: the segment's base offset zero-padded to 20 digits,
 * with `.log` (batches), `.index` (sparse offset index) and `.timeindex` (sparse time index).
 */
import path from 'node:path'

export const LOG_SUFFIX = '.log'
export const INDEX_SUFFIX = '.index'
export const TIME_INDEX_SUFFIX = '.timeindex'
const SEGMENT_LOG_NAME = /^(\d{20})\.log$/

export function segmentPrefix(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0')
}

export function segmentPaths(partitionDir: string, baseOffset: number): {log: string; index: string; timeIndex: string} {
  const prefix = path.join(partitionDir, segmentPrefix(baseOffset))
  return {log: prefix + LOG_SUFFIX, index: prefix + INDEX_SUFFIX, timeIndex: prefix + TIME_INDEX_SUFFIX}
}

/** Base offset of a `.log` file name, or undefined when the name is not a segment. */
export function parseSegmentLogName(fileName: string): number | undefined {
  const match = SEGMENT_LOG_NAME.exec(fileName)
  return match === null ? undefined : Number(match[1])
}

/** Sorted base offsets of the segments in a directory listing. */
export function segmentBaseOffsets(fileNames: string[]): number[] {
  const bases: number[] = []
  for (const name of fileNames) {
    const base = parseSegmentLogName(name)
    if (base !== undefined) bases.push(base)
  }
  return bases.sort((a, b) => a - b)
}
