/**
 * Segment file names, as Kafka writes them: the segment's base offset zero-padded to 20 digits,
 * then a suffix. The `.log` names the segment; the whole set of suffixes is segment/segment.ts's
 * SEGMENT_FILES.
 */
export const LOG_SUFFIX = '.log'
const SEGMENT_LOG_NAME = /^(\d{20})\.log$/

export function segmentPrefix(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0')
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
