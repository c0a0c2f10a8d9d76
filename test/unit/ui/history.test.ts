import {describe, expect, it} from 'vitest'
import type {Snapshot} from '../../../src/core/stats/snapshot.js'
import {addSample, HISTORY_SAMPLES, lagGrowing, lagSeries, partitionRate, perSecond, topicRates, type History} from '../../../src/ui/top/history.js'
import {group, topic} from './fake-source.js'

const snap = (ms: number, ends: Record<string, number>, lag = 0): Snapshot => {
  const topics = Object.entries(ends).map(([name, end]) => topic(name, [end]))
  return {takenMs: ms, topics, groups: topics.length === 0 ? [] : [group('g', 'Stable', ['m'], topics[0], topics[0].end - lag)]}
}
const build = (...snapshots: Snapshot[]) => snapshots.reduce<History | undefined>((h, s) => addSample(h, s), undefined)!

describe('history and rates', () => {
  it('computes messages/s and bytes/s from snapshot deltas and time', () => {
    const h = build(snap(0, {t: 0}), snap(1000, {t: 500}), snap(3000, {t: 2500}))
    const r = topicRates(h, 't')
    expect(r.history).toEqual([500, 1000])
    expect(r.messagesPerSecond).toBe(1000)
    expect(r.bytesPerSecond).toBe(10000) // 10 bytes a message in the fixture
    expect(partitionRate(h, 't', 0)).toBe(1000)
  })

  it('keeps one minute: 61 samples, 60 rates', () => {
    let h: History | undefined
    for (let i = 0; i < 100; i++) h = addSample(h, snap(i * 1000, {t: i * 10}))
    expect(h!.times).toHaveLength(HISTORY_SAMPLES)
    expect(h!.topicEnd.get('t')).toHaveLength(HISTORY_SAMPLES)
    expect(topicRates(h!, 't').history).toEqual(new Array(60).fill(10))
  })

  it('aligns a topic created later with the time line, and forgets deleted ones', () => {
    const h = build(snap(0, {a: 0}), snap(1000, {a: 10, b: 0}), snap(2000, {a: 20, b: 5}))
    expect(h.topicEnd.get('b')).toEqual([Number.NaN, 0, 5])
    expect(topicRates(h, 'b').history).toEqual([0, 5])
    const later = addSample(h, snap(3000, {b: 5}))
    expect(later.topicEnd.has('a')).toBe(false)
    expect(topicRates(later, 'a')).toEqual({messagesPerSecond: 0, bytesPerSecond: 0, history: []})
  })

  it('never shows a negative rate (retention shrinks size, a topic deleted and created again restarts)', () => {
    expect(perSecond([100, 50, 60], [0, 1000, 2000])).toEqual([0, 10])
  })

  it('tracks lag per group and per group and topic, and flags lag that rose at each of the last polls', () => {
    const h = build(snap(0, {t: 10}, 1), snap(1000, {t: 20}, 2), snap(2000, {t: 30}, 3), snap(3000, {t: 40}, 4))
    expect(lagSeries(h, 'g')).toEqual([1, 2, 3, 4])
    expect(lagSeries(h, 'g', 't')).toEqual([1, 2, 3, 4])
    expect(lagGrowing(lagSeries(h, 'g'))).toBe(true)
    expect(lagGrowing([1, 2, 2, 4])).toBe(false)
    expect(lagGrowing([5, 4, 3, 2])).toBe(false)
    expect(lagGrowing([1, 2, 3])).toBe(false)
  })
})
