/**
 * The one grammar for positions in a partition, used by `consume -o`, `offsets reset` and the
 * retention tools:
 *
 *   beginning | end          the log start / the log end
 *   N                        absolute offset N
 *   -N                       N before the end of each partition
 *   +N                       N after the start of each partition
 *   @<ISO time>              the first record at or after that time (through the time index)
 *   @-<duration>             the same, relative to now: @-1h, @-30m, @-1d12h, @-500ms
 *   START:END                a range; END is exclusive (100:200 gives offsets 100..199)
 */
import {StromError} from './errors.js'

export type PositionSpec =
  | {kind: 'beginning'}
  | {kind: 'end'}
  | {kind: 'absolute'; offset: number}
  | {kind: 'fromEnd'; count: number}
  | {kind: 'fromStart'; count: number}
  | {kind: 'timestamp'; timestamp: number}

export interface RangeSpec {
  start: PositionSpec
  end?: PositionSpec
}

/** What a position needs to know about a partition to become an offset. */
export interface PartitionBounds {
  logStartOffset: number
  endOffset: number
  offsetForTimestamp(timestamp: number): number
}

const DURATION_UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}
const OFFSET_HINT = 'use beginning, end, N, -N, +N, @2026-01-01T00:00:00Z, @-1h, or START:END such as 100:200 or @-1h:end'

export function parseDurationMs(text: string): number | undefined {
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy
  let total = 0
  let consumed = 0
  let match: RegExpExecArray | null
  while ((match = pattern.exec(text)) !== null) {
    total += Number(match[1]) * DURATION_UNITS[match[2]]
    consumed = pattern.lastIndex
  }
  return consumed === text.length && text.length > 0 ? total : undefined
}

export function parsePosition(text: string, now = Date.now()): PositionSpec | undefined {
  const value = text.trim()
  if (value === 'beginning' || value === 'earliest' || value === 'start') return {kind: 'beginning'}
  if (value === 'end' || value === 'latest') return {kind: 'end'}
  if (/^\d+$/.test(value)) return safe(Number(value), (offset) => ({kind: 'absolute', offset}))
  if (/^-\d+$/.test(value)) return safe(Number(value.slice(1)), (count) => ({kind: 'fromEnd', count}))
  if (/^\+\d+$/.test(value)) return safe(Number(value.slice(1)), (count) => ({kind: 'fromStart', count}))
  if (value.startsWith('@-')) {
    const ms = parseDurationMs(value.slice(2))
    return ms === undefined ? undefined : {kind: 'timestamp', timestamp: now - ms}
  }
  if (value.startsWith('@')) {
    const body = value.slice(1)
    if (/^\d+$/.test(body)) return {kind: 'timestamp', timestamp: Number(body)}
    if (!/^\d{4}-\d{2}-\d{2}/.test(body)) return undefined
    const timestamp = Date.parse(body)
    return Number.isNaN(timestamp) ? undefined : {kind: 'timestamp', timestamp}
  }
  return undefined
}

function safe(n: number, make: (n: number) => PositionSpec): PositionSpec | undefined {
  return Number.isSafeInteger(n) ? make(n) : undefined
}

/** Parses `START` or `START:END`. ISO times contain colons, so every split point is tried. */
export function parseRange(text: string, now = Date.now()): RangeSpec {
  const whole = parsePosition(text, now)
  if (whole !== undefined) return {start: whole}
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    const start = parsePosition(text.slice(0, i), now)
    const end = parsePosition(text.slice(i + 1), now)
    if (start !== undefined && end !== undefined) return {start, end}
  }
  throw new StromError('INVALID_OFFSET', `invalid offset '${text}'`, {hint: OFFSET_HINT})
}

/** The offset a position means in one partition, clamped to [logStartOffset, endOffset]. */
export function resolvePosition(spec: PositionSpec, bounds: PartitionBounds): number {
  const clamp = (offset: number) => Math.min(Math.max(offset, bounds.logStartOffset), bounds.endOffset)
  switch (spec.kind) {
    case 'beginning':
      return bounds.logStartOffset
    case 'end':
      return bounds.endOffset
    case 'absolute':
      return clamp(spec.offset)
    case 'fromEnd':
      return clamp(bounds.endOffset - spec.count)
    case 'fromStart':
      return clamp(bounds.logStartOffset + spec.count)
    case 'timestamp':
      return clamp(bounds.offsetForTimestamp(spec.timestamp))
  }
}
