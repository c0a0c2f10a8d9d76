import {describe, expect, it} from 'vitest'
import {rangeAssign, roundRobinAssign, stickyAssign} from '../../../src/core/groups/assignors.js'

const counts = (assignment: Record<string, string[]>) => Object.values(assignment).map((a) => a.length).sort()
const all = (assignment: Record<string, string[]>) => Object.values(assignment).flat().sort()

describe('range', () => {
  it("splits each topic into contiguous ranges, first members get the extra (Kafka's RangeAssignor)", () => {
    const result = rangeAssign({subscriptions: {a: ['t1', 't2'], b: ['t1', 't2']}, partitionCounts: {t1: 3, t2: 3}})
    expect(result).toEqual({a: ['t1:0', 't1:1', 't2:0', 't2:1'], b: ['t1:2', 't2:2']})
  })
})

describe('roundrobin', () => {
  it('deals all partitions over sorted members', () => {
    const result = roundRobinAssign({subscriptions: {b: ['t'], a: ['t']}, partitionCounts: {t: 5}})
    expect(result).toEqual({a: ['t:0', 't:2', 't:4'], b: ['t:1', 't:3']})
  })
  it('skips members not subscribed to a topic', () => {
    const result = roundRobinAssign({subscriptions: {a: ['x'], b: ['x', 'y']}, partitionCounts: {x: 2, y: 2}})
    expect(all(result)).toEqual(['x:0', 'x:1', 'y:0', 'y:1'])
    expect(result.a.every((k) => k.startsWith('x'))).toBe(true)
  })
})

describe('sticky', () => {
  it('is balanced', () => {
    const result = stickyAssign({subscriptions: {a: ['t'], b: ['t'], c: ['t']}, partitionCounts: {t: 7}})
    expect(counts(result)).toEqual([2, 2, 3])
    expect(all(result)).toHaveLength(7)
  })
  it('moves only what must move when a member joins', () => {
    const before = stickyAssign({subscriptions: {a: ['t'], b: ['t']}, partitionCounts: {t: 6}})
    const after = stickyAssign({subscriptions: {a: ['t'], b: ['t'], c: ['t']}, partitionCounts: {t: 6}, previous: before})
    expect(counts(after)).toEqual([2, 2, 2])
    const kept = ['a', 'b'].flatMap((m) => after[m].filter((k) => before[m].includes(k)))
    expect(kept).toHaveLength(4) // only 2 of 6 partitions moved, to the newcomer
  })
  it('keeps survivors in place when a member leaves', () => {
    const before = {a: ['t:0', 't:1'], b: ['t:2', 't:3'], c: ['t:4', 't:5']}
    const after = stickyAssign({subscriptions: {a: ['t'], c: ['t']}, partitionCounts: {t: 6}, previous: before})
    expect(after.a).toEqual(expect.arrayContaining(['t:0', 't:1']))
    expect(after.c).toEqual(expect.arrayContaining(['t:4', 't:5']))
    expect(counts(after)).toEqual([3, 3])
  })
  it('assigns every partition exactly once with mixed subscriptions', () => {
    const result = stickyAssign({subscriptions: {a: ['x'], b: ['x', 'y'], c: ['y']}, partitionCounts: {x: 4, y: 4}})
    expect(all(result)).toEqual(['x:0', 'x:1', 'x:2', 'x:3', 'y:0', 'y:1', 'y:2', 'y:3'])
    expect(result.a.every((k) => k.startsWith('x'))).toBe(true)
    expect(result.c.every((k) => k.startsWith('y'))).toBe(true)
  })
})
