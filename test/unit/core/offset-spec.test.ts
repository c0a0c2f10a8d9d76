import {describe, expect, it} from 'vitest'
import {parseDurationMs, parseRange, resolvePosition} from '../../../src/core/offset-spec.js'

const NOW = Date.parse('2026-06-01T12:00:00Z')
const bounds = {logStartOffset: 100, endOffset: 200, offsetForTimestamp: (t: number) => (t < NOW - 3_600_000 ? 100 : 150)}

describe('offset grammar', () => {
  it('parses single positions', () => {
    expect(parseRange('beginning')).toEqual({start: {kind: 'beginning'}})
    expect(parseRange('end')).toEqual({start: {kind: 'end'}})
    expect(parseRange('42')).toEqual({start: {kind: 'absolute', offset: 42}})
    expect(parseRange('-5')).toEqual({start: {kind: 'fromEnd', count: 5}})
    expect(parseRange('+5')).toEqual({start: {kind: 'fromStart', count: 5}})
    expect(parseRange('@-1h', NOW)).toEqual({start: {kind: 'timestamp', timestamp: NOW - 3_600_000}})
    expect(parseRange('@2026-01-01T10:00:00Z')).toEqual({start: {kind: 'timestamp', timestamp: Date.parse('2026-01-01T10:00:00Z')}})
  })

  it('parses ranges, including ISO times that contain colons', () => {
    expect(parseRange('100:200')).toEqual({start: {kind: 'absolute', offset: 100}, end: {kind: 'absolute', offset: 200}})
    expect(parseRange('@-1h:end', NOW)).toEqual({start: {kind: 'timestamp', timestamp: NOW - 3_600_000}, end: {kind: 'end'}})
    expect(parseRange('@2026-01-01T10:00:00Z:@2026-01-02T00:00:00Z')).toEqual({
      start: {kind: 'timestamp', timestamp: Date.parse('2026-01-01T10:00:00Z')},
      end: {kind: 'timestamp', timestamp: Date.parse('2026-01-02T00:00:00Z')},
    })
    expect(parseRange('@2026-01-01:@2026-01-02').end).toEqual({kind: 'timestamp', timestamp: Date.parse('2026-01-02')})
  })

  it('parses compound durations', () => {
    expect(parseDurationMs('1h30m')).toBe(5_400_000)
    expect(parseDurationMs('500ms')).toBe(500)
    expect(parseDurationMs('1d12h')).toBe(129_600_000)
    expect(parseDurationMs('2x')).toBeUndefined()
    expect(parseDurationMs('')).toBeUndefined()
  })

  it('rejects what does not parse', () => {
    for (const bad of ['', 'banana', '--5', '@', '@-', '@-5y', '1:2:3', '@yesterday', '1.5', '99999999999999999999']) {
      expect(() => parseRange(bad), bad).toThrow(/invalid offset/)
    }
  })

  it('resolves and clamps positions against a partition', () => {
    const at = (text: string) => resolvePosition(parseRange(text, NOW).start, bounds)
    expect(at('beginning')).toBe(100)
    expect(at('end')).toBe(200)
    expect(at('150')).toBe(150)
    expect(at('5')).toBe(100)
    expect(at('500')).toBe(200)
    expect(at('-10')).toBe(190)
    expect(at('-1000')).toBe(100)
    expect(at('+10')).toBe(110)
    expect(at('+1000')).toBe(200)
    expect(at('@-30m')).toBe(150)
    expect(at('@-2h')).toBe(100)
  })
})
