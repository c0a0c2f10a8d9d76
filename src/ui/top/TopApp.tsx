/**
 * `strom top`: the root of the dashboard. It owns the state (one reducer), the single useInput
 * that turns keys into actions, the one exit() call, and the layout: a title line, the topics and
 * groups panes (or one detail view), and a help line. Data comes from hooks polling a StatsSource.
 */
import {Box, Text, useApp, useInput} from 'ink'
import React, {useEffect, useLayoutEffect, useReducer, useRef} from 'react'
import type {StatsSource} from '../../core/stats/snapshot.js'
import {pad} from '../components/Table.js'
import {formatClock} from '../format.js'
import {useSnapshots} from '../hooks/use-snapshots.js'
import {useTail} from '../hooks/use-tail.js'
import {useTerminalSize} from '../hooks/use-terminal-size.js'
import {useTheme} from '../theme.js'
import {GroupDetail, groupDetailLayout} from './GroupDetail.js'
import {GroupsPane, groupRows} from './GroupsPane.js'
import {TopicDetail, topicDetailLayout} from './TopicDetail.js'
import {TopicsPane} from './TopicsPane.js'
import {sortGroups, sortTopics, SORT_LABEL} from './sort.js'
import {helpLine, initialState, reduce, type KeyContext, type Pane} from './top-state.js'

const PANES: Pane[] = ['topics', 'groups']

export interface TopAppProps {
  source: StatsSource
  intervalMs?: number
}

/**
 * Lines for each pane (its title line included) in a body of `body` lines: each gets what it needs
 * when both fit (the spare lines go below the groups), otherwise the smaller keeps its need up to half and the other takes the rest.
 */
export function splitPanes(body: number, topicsNeed: number, groupsNeed: number): {topics: number; groups: number} {
  if (topicsNeed + groupsNeed <= body) return {topics: topicsNeed, groups: body - topicsNeed}
  const half = Math.floor(body / 2)
  if (groupsNeed <= half) return {topics: body - groupsNeed, groups: groupsNeed}
  if (topicsNeed <= body - half) return {topics: topicsNeed, groups: body - topicsNeed}
  return {topics: body - half, groups: half}
}

export const matchesFilter = (name: string, filter: string): boolean => filter === '' || name.toLowerCase().includes(filter.toLowerCase())

export function TopApp({source, intervalMs = 1000}: TopAppProps): React.JSX.Element {
  const {exit} = useApp()
  const theme = useTheme()
  const {columns, rows} = useTerminalSize()
  const [state, dispatch] = useReducer(reduce, initialState)
  const {history, error} = useSnapshots(source, intervalMs, state.paused)
  const latest = history.latest

  useEffect(() => {
    if (state.quit) exit()
  }, [state.quit, exit])

  // One line stays free below the frame: ink redraws a frame shorter than the terminal in place,
  // but clears the whole screen for one that fills it.
  const height = Math.max(8, rows - 1)
  const width = Math.max(20, columns)
  const body = height - 2

  const topics = sortTopics(history, latest.topics.filter((t) => matchesFilter(t.name, state.filter)), latest.groups, state.sort)
  const groups = sortGroups(history, latest.groups.filter((g) => matchesFilter(g.group, state.filter)), state.sort)
  const names: Record<Pane, string[]> = {topics: topics.map((t) => t.name), groups: groups.map((g) => g.group)}

  // Busiest first reorders rows between polls: the cursor stays on its topic or group, not on its
  // row number. A move by key (the index changed), a new order or filter (back to the top) is taken as it is.
  const listing = `${state.sort}\u0000${state.filter}`
  const cursor = useRef<{index: Record<Pane, number>; name: Record<Pane, string | undefined>; listing: string}>({index: {...state.selected}, name: {topics: undefined, groups: undefined}, listing})
  useLayoutEffect(() => {
    const sameListing = cursor.current.listing === listing
    cursor.current.listing = listing
    for (const pane of PANES) {
      const index = state.selected[pane]
      const name = cursor.current.name[pane]
      const at = name === undefined ? -1 : names[pane].indexOf(name)
      if (sameListing && index === cursor.current.index[pane] && at >= 0 && at !== index) {
        cursor.current.index[pane] = at
        dispatch({type: 'select', pane, index: at})
        continue
      }
      cursor.current.index[pane] = index
      cursor.current.name[pane] = names[pane][Math.min(index, names[pane].length - 1)]
    }
  })

  const view = state.view
  const shownTopic = view.kind === 'topic' ? latest.topics.find((t) => t.name === view.name) : undefined
  const shownGroup = view.kind === 'group' ? latest.groups.find((g) => g.group === view.name) : undefined
  const topicLayout = topicDetailLayout(body, shownTopic?.partitions.length ?? 0)
  const groupLayout = groupDetailLayout(body, shownGroup?.members.length ?? 0, shownGroup?.partitions.length ?? 0)
  const maxScroll = view.kind === 'topic' ? topicLayout.maxScroll : view.kind === 'group' ? groupLayout.maxScroll : 0
  const tail = useTail(source, shownTopic?.name, topicLayout.tailLines - 1, latest.takenMs)

  // ink writes a frame before React runs the effects that would give useInput a new handler, so a
  // key pressed right after a redraw reaches the previous handler: it reads the screen's context
  // from a ref, updated in the same commit that draws the frame.
  const context = useRef<KeyContext>({names, maxScroll})
  useLayoutEffect(() => {
    context.current = {names, maxScroll}
  })
  useInput((input, key) => dispatch({type: 'key', input, key, context: context.current}))

  const flags = [
    `${latest.topics.length} topics`,
    `${latest.groups.length} groups`,
    state.paused ? '[paused]' : '',
    state.filtering || state.filter !== '' ? `filter: ${state.filter}${state.filtering ? '▏' : ''}` : '',
    error === undefined ? '' : `poll failed: ${error}`,
  ].filter((s) => s !== '')
  const title = `strom top  ${formatClock(latest.takenMs)}  ${flags.join('  ')}  ${source.dir}`

  let content: React.JSX.Element
  if (view.kind === 'topic') {
    content = <TopicDetail history={history} name={view.name} tail={tail} scroll={Math.min(state.scroll, maxScroll)} width={width} height={body} />
  } else if (view.kind === 'group') {
    content = <GroupDetail history={history} name={view.name} scroll={Math.min(state.scroll, maxScroll)} width={width} height={body} />
  } else {
    const split = splitPanes(body, topics.length + 3, groupRows(history, groups).rows.length + 3)
    const label = (pane: Pane, text: string) => (state.pane === pane ? theme.header(`▸ ${text}`) : theme.dim(`  ${text}`))
    content = (
      <>
        <Text wrap="truncate">{label('topics', `TOPICS ${topics.length}  ${SORT_LABEL[state.sort]}`)}</Text>
        <TopicsPane history={history} topics={topics} selected={state.pane === 'topics' ? state.selected.topics : undefined} width={width} height={split.topics - 1} />
        <Text wrap="truncate">{label('groups', `GROUPS ${groups.length}`)}</Text>
        <GroupsPane history={history} groups={groups} selected={state.pane === 'groups' ? state.selected.groups : undefined} width={width} height={split.groups - 1} />
      </>
    )
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">{theme.title(pad(title, width))}</Text>
      <Box flexDirection="column" height={body} overflow="hidden">
        {content}
      </Box>
      <Text wrap="truncate">{theme.dim(helpLine(state))}</Text>
    </Box>
  )
}
