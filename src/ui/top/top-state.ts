/**
 * The dashboard's UI state as a pure reducer, tested without rendering:
 * arrows/j/k move, Enter opens a detail view, Esc goes back (or clears the filter), Tab switches
 * pane, / starts a name filter, p pauses, q quits.
 */
export type Pane = 'topics' | 'groups'
export type View = {kind: 'list'} | {kind: 'topic'; name: string} | {kind: 'group'; name: string}

export interface TopState {
  pane: Pane
  selected: Record<Pane, number>
  view: View
  filter: string
  filtering: boolean
  paused: boolean
  quit: boolean
}

export type Action =
  | {type: 'up'}
  | {type: 'down'; counts: Record<Pane, number>}
  | {type: 'enter'; names: Record<Pane, string[]>}
  | {type: 'back'}
  | {type: 'tab'}
  | {type: 'startFilter'}
  | {type: 'filterChar'; char: string}
  | {type: 'filterBackspace'}
  | {type: 'endFilter'}
  | {type: 'pause'}
  | {type: 'quit'}

export const initialState: TopState = {pane: 'topics', selected: {topics: 0, groups: 0}, view: {kind: 'list'}, filter: '', filtering: false, paused: false, quit: false}

export function reduce(state: TopState, action: Action): TopState {
  switch (action.type) {
    case 'up':
      return {...state, selected: {...state.selected, [state.pane]: Math.max(0, state.selected[state.pane] - 1)}}
    case 'down':
      return {...state, selected: {...state.selected, [state.pane]: Math.max(0, Math.min(action.counts[state.pane] - 1, state.selected[state.pane] + 1))}}
    case 'enter': {
      // Resolved here, against the state the reducer sees, so keys typed faster than renders stay right.
      if (state.filtering) return {...state, filtering: false}
      const names = action.names[state.pane]
      const name = names[Math.min(state.selected[state.pane], names.length - 1)]
      if (name === undefined || state.view.kind !== 'list') return state
      return {...state, view: state.pane === 'topics' ? {kind: 'topic', name} : {kind: 'group', name}}
    }
    case 'back':
      if (state.filtering || (state.view.kind === 'list' && state.filter !== '')) return {...state, filtering: false, filter: ''}
      return {...state, view: {kind: 'list'}}
    case 'tab':
      return state.view.kind === 'list' ? {...state, pane: state.pane === 'topics' ? 'groups' : 'topics'} : state
    case 'startFilter':
      return {...state, filtering: true}
    case 'filterChar':
      return {...state, filter: state.filter + action.char, selected: {topics: 0, groups: 0}}
    case 'filterBackspace':
      return {...state, filter: state.filter.slice(0, -1)}
    case 'endFilter':
      return {...state, filtering: false}
    case 'pause':
      return {...state, paused: !state.paused}
    case 'quit':
      return {...state, quit: true}
  }
}

/** Maps a key press (ink's input + key flags) to an action, given the current state. */
export function actionForKey(state: TopState, input: string, key: {upArrow?: boolean; downArrow?: boolean; return?: boolean; escape?: boolean; tab?: boolean; backspace?: boolean; delete?: boolean; ctrl?: boolean}, names: Record<Pane, string[]>): Action | undefined {
  if (key.ctrl && input === 'c') return {type: 'quit'}
  if (state.filtering) {
    if (key.escape) return {type: 'back'}
    if (key.return) return {type: 'endFilter'}
    if (key.backspace || key.delete) return {type: 'filterBackspace'}
    if (input.length === 1 && /[a-zA-Z0-9._-]/.test(input)) return {type: 'filterChar', char: input}
    return undefined
  }
  if (key.upArrow || input === 'k') return {type: 'up'}
  if (key.downArrow || input === 'j') return {type: 'down', counts: {topics: names.topics.length, groups: names.groups.length}}
  if (key.return) return {type: 'enter', names}
  if (key.escape) return {type: 'back'}
  if (key.tab) return {type: 'tab'}
  if (input === '/') return {type: 'startFilter'}
  if (input === 'p') return {type: 'pause'}
  if (input === 'q') return {type: 'quit'}
  return undefined
}
