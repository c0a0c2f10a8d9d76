/**
 * After a failed `produce`: which input lines were written, in words, from the sink's delivery
 * report (records by number) and a map from record numbers to input lines. The aim is that the
 * user can resume exactly: "lines 1–133554 were written; line 133555 and after were not".
 */
import type {DeliveryReport} from '../core/producer.js'

/** Lines listed one by one up to this many ranges; beyond, counted. */
const MAX_LISTED = 8

export function describeDelivery(report: DeliveryReport, lineOf: (record: number) => number, unit = 'line'): string {
  const units = `${unit}s`
  const gaps = [...report.notWritten, ...report.maybeWritten].sort((a, b) => a[0] - b[0])
  // Everything before the first record not (surely) written was written; after it, the input
  // was not taken at all from `records` on, and only other partitions' batches may hold more.
  const firstGap = gaps.length === 0 ? report.records : gaps[0][0]
  const parts: string[] = []
  parts.push(firstGap === 0 ? `no ${unit} was written` : firstGap === 1 ? `${unit} 1 was written` : `${units} 1–${lineOf(firstGap - 1)} were written`)
  const writtenAfter: Array<[number, number]> = []
  let at = firstGap
  for (const [start, end] of gaps) {
    if (start > at) writtenAfter.push([at, start])
    at = Math.max(at, end)
  }
  if (at < report.records) writtenAfter.push([at, report.records])
  const first = lineOf(firstGap)
  const maybe = report.maybeWritten.filter(([start]) => start >= firstGap)
  if (writtenAfter.length === 0 && maybe.length === 0) {
    parts.push(`${unit} ${first} and after were not`)
    return parts.join('; ')
  }
  parts.push(writtenAfter.length === 0
    ? `${unit} ${first} and after were not`
    : `${unit} ${first} and after were not, except ${listRanges(writtenAfter, lineOf, units)} (written to other partitions)`)
  if (maybe.length > 0) parts.push(`${listRanges(maybe, lineOf, units)} may have been written`)
  return parts.join('; ')
}

function listRanges(ranges: Array<[number, number]>, lineOf: (record: number) => number, units: string): string {
  if (ranges.length === 0) return ''
  if (ranges.length > MAX_LISTED) {
    const count = ranges.reduce((sum, [start, end]) => sum + end - start, 0)
    return `${count} ${units} between ${lineOf(ranges[0][0])} and ${lineOf(ranges[ranges.length - 1][1] - 1)}`
  }
  return `${units} ${ranges.map(([start, end]) => end - start === 1 ? `${lineOf(start)}` : `${lineOf(start)}–${lineOf(end - 1)}`).join(', ')}`
}
