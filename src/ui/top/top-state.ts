/**
 * The dashboard's UI state as a pure reducer, tested without rendering. Keys map to actions in
 * `actionForKey`: arrows/j/k move (in a detail view they scroll), Enter opens a detail, Esc goes
 * back (or clears the filter), Tab switches pane, / starts a name filter, s switches the order
 * (busiest first or by name), p pauses, q quits.
 */
import type {SortOrder} from './sort.js'

export type Pane = 'topics' | 'groups'
export type View = {kind: 'list'} | {kind: 'topic'; name: string} | {kind: 'group'; name: string}

export interface TopState {
  pane: Pane
  selected: Record<Pane, number>
  view: View
  /** First row of a detail view's scrolling table. */
  scroll: number
  filter: string
  filtering: boolean
  sort: SortOrder
  paused: boolean
  quit: boolean
}

/** What the screen shows now, which keys need: the names in each pane and how far a detail scrolls. */
export interface KeyContext {
  names: Record<Pane, string[]>
  maxScroll: number
}

export type Action =
  | {type: 'key'; input: string; key: KeyFlags; context: KeyContext}
  | {type: 'up'}
  | {type: 'down'; context: KeyContext}
  | {type: 'enter'; context: KeyContext}
  | {type: 'back'}
  | {type: 'tab'}
  | {type: 'startFilter'}
  | {type: 'filterChar'; char: string}
  | {type: 'filterBackspace'}
  | {type: 'endFilter'}
  | {type: 'pause'}
  | {type: 'sort'}
  /** The row under the cursor moved (the order changed): the cursor follows it. */
  | {type: 'select'; pane: Pane; index: number}
  | {type: 'quit'}

export const initialState: TopState = {
  pane: 'topics',
  selected: {topics: 0, groups: 0},
  view: {kind: 'list'},
  scroll: 0,
  filter: '',
  filtering: false,
  sort: 'activity',
  paused: false,
  quit: false,
}

export function reduce(state: TopState, action: Action): TopState {
  switch (action.type) {
    case 'key': {
      // Keys are mapped here, against the state the reducer holds, not the one the last render
      // saw: several keys can arrive before the screen redraws (typing a filter fast, pasting).
      let next = state
      for (const {input, key} of splitKeys(action.input, action.key)) {
        const mapped = actionForKey(next, input, key, action.context)
        if (mapped !== undefined) next = reduce(next, mapped)
      }
      return next
    }
    case 'up':
      if (state.view.kind !== 'list') return {...state, scroll: Math.max(0, state.scroll - 1)}
      return {...state, selected: {...state.selected, [state.pane]: Math.max(0, state.selected[state.pane] - 1)}}
    case 'down': {
      if (state.view.kind !== 'list') return {...state, scroll: Math.max(0, Math.min(action.context.maxScroll, state.scroll + 1))}
      const last = action.context.names[state.pane].length - 1
      return {...state, selected: {...state.selected, [state.pane]: Math.max(0, Math.min(last, state.selected[state.pane] + 1))}}
    }
    case 'enter': {
      // The name is resolved here, against the state the reducer sees, so keys typed faster than
      // the screen redraws (Tab then Enter) still open what the cursor is on.
      if (state.view.kind !== 'list') return state
      const names = action.context.names[state.pane]
      const name = names[Math.min(state.selected[state.pane], names.length - 1)]
      if (name === undefined) return state
      return {...state, view: state.pane === 'topics' ? {kind: 'topic', name} : {kind: 'group', name}, scroll: 0}
    }
    case 'back':
      if (state.filtering || (state.view.kind === 'list' && state.filter !== '')) return {...state, filtering: false, filter: '', selected: {topics: 0, groups: 0}}
      return {...state, view: {kind: 'list'}, scroll: 0}
    case 'tab':
      return state.view.kind === 'list' ? {...state, pane: state.pane === 'topics' ? 'groups' : 'topics'} : state
    case 'startFilter':
      return {...state, filtering: true, view: {kind: 'list'}, scroll: 0}
    case 'filterChar':
      return {...state, filter: state.filter + action.char, selected: {topics: 0, groups: 0}}
    case 'filterBackspace':
      return {...state, filter: state.filter.slice(0, -1), selected: {topics: 0, groups: 0}}
    case 'endFilter':
      return {...state, filtering: false}
    case 'pause':
      return {...state, paused: !state.paused}
    case 'sort':
      return {...state, sort: state.sort === 'activity' ? 'name' : 'activity', selected: {topics: 0, groups: 0}}
    case 'select':
      return {...state, selected: {...state.selected, [action.pane]: action.index}}
    case 'quit':
      return {...state, quit: true}
  }
}

export interface KeyFlags {
  upArrow?: boolean
  downArrow?: boolean
  return?: boolean
  escape?: boolean
  tab?: boolean
  backspace?: boolean
  delete?: boolean
  ctrl?: boolean
}

const CONTROL_KEYS: Record<string, {input: string; key: KeyFlags}> = {
  '\r': {input: '', key: {return: true}},
  '\n': {input: '', key: {return: true}},
  '\t': {input: '', key: {tab: true}},
  '\u007f': {input: '', key: {backspace: true}},
  '\b': {input: '', key: {backspace: true}},
  '\u001b': {input: '', key: {escape: true}},
  '\u0003': {input: 'c', key: {ctrl: true}},
}

/**
 * One key per entry. ink hands over a whole chunk of plain characters as one input ("j\r" when
 * keys come faster than it reads, "/ord" when pasted), so it is split here, one character a key.
 */
export function splitKeys(input: string, key: KeyFlags): Array<{input: string; key: KeyFlags}> {
  const flagged = Object.values(key).some((v) => v === true)
  if (flagged || input.length <= 1) return [{input, key}]
  return [...input].map((ch) => CONTROL_KEYS[ch] ?? {input: ch, key: {}})
}

/** Maps a key press (ink's input and key flags) to an action, or undefined for keys that do nothing. */
export function actionForKey(state: TopState, input: string, key: KeyFlags, context: KeyContext): Action | undefined {
  if (key.ctrl && input === 'c') return {type: 'quit'}
  if (state.filtering) {
    if (key.escape) return {type: 'back'}
    if (key.return || key.tab) return {type: 'endFilter'}
    if (key.backspace || key.delete) return {type: 'filterBackspace'}
    if (key.upArrow || key.downArrow) return undefined
    // Topic and group names are [a-zA-Z0-9._-]: other characters cannot match anything.
    if (input.length === 1 && /[a-zA-Z0-9._-]/.test(input)) return {type: 'filterChar', char: input}
    return undefined
  }
  if (key.upArrow || input === 'k') return {type: 'up'}
  if (key.downArrow || input === 'j') return {type: 'down', context}
  if (key.return) return {type: 'enter', context}
  if (key.escape) return {type: 'back'}
  if (key.tab) return {type: 'tab'}
  if (input === '/') return {type: 'startFilter'}
  if (input === 'p') return {type: 'pause'}
  if (input === 's' && state.view.kind === 'list') return {type: 'sort'}
  if (input === 'q') return {type: 'quit'}
  return undefined
}

/** The help line for the current mode. */
export function helpLine(state: TopState): string {
  if (state.filtering) return 'type a name  Enter keep filter  Esc clear  Ctrl-C quit'
  const pause = state.paused ? 'p resume' : 'p pause'
  if (state.view.kind !== 'list') return `↑↓/jk scroll  Esc back  / filter  ${pause}  q quit`
  return `↑↓/jk move  Enter detail  Tab pane  / filter  s sort  ${pause}  q quit${state.filter !== '' ? '  Esc clear filter' : ''}`
}
