import {describe, expect, it} from 'vitest'
import {actionForKey, initialState, reduce, TopState} from '../../../src/ui/top/top-state.js'
import {lagGrowing, sparkline, topicRates} from '../../../src/ui/top/rates.js'
import type {Snapshot} from '../../../src/core/stats/snapshot.js'

const NAMES = {topics: ['a', 'b', 'c'], groups: ['g1', 'g2', 'g3']}
const press = (state: TopState, input: string, key: Record<string, boolean> = {}) => {
  const action = actionForKey(state, input, key, NAMES)
  return action === undefined ? state : reduce(state, action)
}

describe('top reducer and keys', () => {
  it('moves with arrows and j/k within bounds', () => {
    let s = initialState
    s = press(s, 'j')
    s = press(s, '', {downArrow: true})
    s = press(s, 'j')
    expect(s.selected.topics).toBe(2)
    s = press(s, 'k')
    s = press(s, '', {upArrow: true})
    s = press(s, 'k')
    expect(s.selected.topics).toBe(0)
  })
  it('Tab switches pane, Enter opens a detail, Esc goes back', () => {
    let s = press(initialState, '', {tab: true})
    expect(s.pane).toBe('groups')
    s = press(s, '', {return: true})
    expect(s.view).toEqual({kind: 'group', name: 'g1'})
    s = press(s, '', {tab: true})
    expect(s.pane).toBe('groups')
    s = press(s, '', {escape: true})
    expect(s.view).toEqual({kind: 'list'})
  })
  it('/ filters by name; Esc clears it; p pauses; q and Ctrl-C quit', () => {
    let s = press(initialState, '/')
    expect(s.filtering).toBe(true)
    for (const ch of 'app') s = press(s, ch)
    s = press(s, '', {backspace: true})
    expect(s.filter).toBe('ap')
    s = press(s, '', {return: true})
    expect(s.filtering).toBe(false)
    expect(s.filter).toBe('ap')
    s = press(s, '', {escape: true})
    expect(s.filter).toBe('')
    expect(press(initialState, 'p').paused).toBe(true)
    expect(actionForKey(initialState, 'q', {}, NAMES)).toEqual({type: 'quit'})
    expect(actionForKey(initialState, 'c', {ctrl: true}, NAMES)).toEqual({type: 'quit'})
    // Enter resolves the name against the pane the reducer sees, even right after a Tab.
    const afterTab = reduce(initialState, actionForKey(initialState, '', {tab: true}, NAMES)!)
    expect(reduce(afterTab, actionForKey(initialState, '', {return: true}, NAMES)!).view).toEqual({kind: 'group', name: 'g1'})
  })
})

describe('rates', () => {
  const snap = (ms: number, end: number, size: number, lag: number): Snapshot => ({
    takenMs: ms,
    topics: [{name: 't', partitions: [{partition: 0, logStart: 0, end, sizeBytes: size}], messages: end, end, sizeBytes: size}],
    groups: [{group: 'g', state: 'Stable', members: 1, totalLag: lag, memberIds: ['m'], partitions: []}],
  })
  it('computes messages/s and bytes/s from snapshot deltas', () => {
    const r = topicRates([snap(0, 0, 0, 0), snap(1000, 500, 5000, 1), snap(2000, 1500, 15000, 2)], 't')
    expect(r.history).toEqual([500, 1000])
    expect(r.messagesPerSecond).toBe(1000)
    expect(r.bytesPerSecond).toBe(10000)
  })
  it('flags lag that keeps growing', () => {
    expect(lagGrowing([1, 2, 3, 4])).toBe(true)
    expect(lagGrowing([1, 2, 2, 4])).toBe(false)
  })
  it('draws fixed-width sparklines', () => {
    expect(sparkline([0, 4, 8], 5)).toBe('  ▁▄█')
    expect(sparkline([0, 0], 2)).toBe('▁▁')
  })
})
