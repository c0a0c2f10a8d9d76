import {describe, expect, it} from 'vitest'
import {actionForKey, helpLine, initialState, reduce, splitKeys, type KeyContext, type KeyFlags, type TopState} from '../../../src/ui/top/top-state.js'

const CONTEXT: KeyContext = {names: {topics: ['a', 'b', 'c'], groups: ['g1', 'g2']}, maxScroll: 5}
const press = (state: TopState, input: string, key: KeyFlags = {}, context = CONTEXT) => reduce(state, {type: 'key', input, key, context})
const keys = (state: TopState, ...inputs: Array<string | KeyFlags>) => inputs.reduce<TopState>((s, k) => (typeof k === 'string' ? press(s, k) : press(s, '', k)), state)

describe('top state', () => {
  it('moves with arrows and j/k, within the pane', () => {
    let s = keys(initialState, 'j', {downArrow: true}, 'j', 'j')
    expect(s.selected.topics).toBe(2)
    s = keys(s, 'k', {upArrow: true}, 'k', 'k')
    expect(s.selected.topics).toBe(0)
    s = keys(s, {tab: true}, 'j', 'j', 'j')
    expect(s.selected).toEqual({topics: 0, groups: 1})
  })

  it('Enter opens the selected topic or group, Esc goes back, Tab does nothing inside a detail', () => {
    let s = keys(initialState, 'j', {return: true})
    expect(s.view).toEqual({kind: 'topic', name: 'b'})
    s = keys(s, {tab: true})
    expect(s.pane).toBe('topics')
    s = keys(s, {escape: true}, {tab: true}, {return: true})
    expect(s.view).toEqual({kind: 'group', name: 'g1'})
    expect(keys(s, {escape: true}).view).toEqual({kind: 'list'})
    // Nothing to open in an empty pane.
    expect(press(initialState, '', {return: true}, {names: {topics: [], groups: []}, maxScroll: 0}).view).toEqual({kind: 'list'})
  })

  it('arrows scroll a detail view between 0 and maxScroll; a new detail starts at the top', () => {
    let s = keys(initialState, {return: true})
    for (let i = 0; i < 9; i++) s = press(s, 'j')
    expect(s.scroll).toBe(5)
    s = keys(s, 'k', {upArrow: true})
    expect(s.scroll).toBe(3)
    expect(s.selected.topics).toBe(0) // the list cursor does not move meanwhile
    s = keys(s, {escape: true}, 'j', {return: true})
    expect(s.view).toEqual({kind: 'topic', name: 'b'})
    expect(s.scroll).toBe(0)
  })

  it('/ starts a filter: characters of names only, backspace, Enter keeps it, Esc clears it', () => {
    let s = keys(initialState, 'j', '/', 'a', 'p', 'p', ' ', '*', {backspace: true})
    expect(s).toMatchObject({filtering: true, filter: 'ap', selected: {topics: 0, groups: 0}})
    s = keys(s, 'q') // a letter while filtering, not quit
    expect(s.quit).toBe(false)
    expect(s.filter).toBe('apq')
    s = keys(s, {return: true})
    expect(s).toMatchObject({filtering: false, filter: 'apq'})
    s = keys(s, {escape: true})
    expect(s).toMatchObject({filtering: false, filter: ''})
    // Esc while typing drops the filter at once.
    expect(keys(initialState, '/', 'x', {escape: true})).toMatchObject({filtering: false, filter: ''})
  })

  it('p toggles pause; q and Ctrl-C quit, Ctrl-C even while filtering', () => {
    expect(keys(initialState, 'p').paused).toBe(true)
    expect(keys(initialState, 'p', 'p').paused).toBe(false)
    expect(keys(initialState, 'q').quit).toBe(true)
    expect(press(initialState, 'c', {ctrl: true}).quit).toBe(true)
    expect(press(keys(initialState, '/'), 'c', {ctrl: true}).quit).toBe(true)
  })

  it('several keys in one input (typed faster than the screen redraws, or pasted) act one by one', () => {
    expect(splitKeys('j\r', {})).toEqual([{input: 'j', key: {}}, {input: '', key: {return: true}}])
    expect(splitKeys('\t\r', {})).toEqual([{input: '', key: {tab: true}}, {input: '', key: {return: true}}])
    expect(splitKeys('', {upArrow: true})).toEqual([{input: '', key: {upArrow: true}}])
    expect(keys(initialState, 'j\r').view).toEqual({kind: 'topic', name: 'b'})
    expect(keys(initialState, '\t\r').view).toEqual({kind: 'group', name: 'g1'})
    expect(keys(initialState, '/ord').filter).toBe('ord')
  })

  it('s switches between busiest first and by name, back at the top; not inside a detail', () => {
    const moved = keys(initialState, 'j', 'j')
    const byName = keys(moved, 's')
    expect(byName.sort).toBe('name')
    expect(byName.selected.topics).toBe(0)
    expect(keys(byName, 's').sort).toBe('activity')
    expect(keys(initialState, {return: true}, 's').sort).toBe('activity')
  })

  it('maps unknown keys to nothing', () => {
    expect(actionForKey(initialState, 'x', {}, CONTEXT)).toBeUndefined()
    expect(press(initialState, 'x')).toBe(initialState)
  })

  it('help line follows the mode', () => {
    expect(helpLine(initialState)).toBe('↑↓/jk move  Enter detail  Tab pane  / filter  s sort  p pause  q quit')
    expect(helpLine(keys(initialState, {return: true}))).toMatch(/^↑↓\/jk scroll {2}Esc back/)
    expect(helpLine(keys(initialState, '/'))).toMatch(/^type a name/)
    expect(helpLine(keys(initialState, 'p'))).toMatch(/p resume/)
  })
})
