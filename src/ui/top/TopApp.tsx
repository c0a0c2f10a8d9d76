/**
 * `strom top`: topics and groups of a log directory, live. Layout at any size down to 80×24:
 * a title line, the topics pane, the groups pane (or one detail view), and a help line.
 */
import {Box, Text, useApp, useInput} from 'ink'
import React, {useCallback, useReducer} from 'react'
import type {Snapshot, SnapshotSource} from '../../core/stats/snapshot.js'
import type {TailRecord} from '../../core/stats/tail.js'
import {useSnapshots} from '../hooks/use-snapshots.js'
import {useTerminalSize} from '../hooks/use-terminal-size.js'
import {tone} from '../theme.js'
import {formatBytesShort, formatCount, lagGrowing, lagHistory, partitionRate, sparkline, topicRates} from './rates.js'
import {actionForKey, initialState, reduce} from './top-state.js'

export interface TopAppProps {
  source: Pick<SnapshotSource, 'take'> & {log: {dir: string}}
  tail: (topic: string) => TailRecord[]
  intervalMs?: number
}

const cell = (text: string | number, width: number, right = false): string => {
  const s = String(text)
  if (s.length > width) return s.slice(0, Math.max(0, width - 1)) + '…'
  return right ? s.padStart(width) : s.padEnd(width)
}

export function TopApp({source, tail, intervalMs = 1000}: TopAppProps): React.JSX.Element {
  const {exit} = useApp()
  const {columns, rows} = useTerminalSize()
  const [state, dispatch] = useReducer(reduce, initialState)
  const take = useCallback(() => source.take(), [source])
  const history = useSnapshots(take, intervalMs, state.paused)
  const latest: Snapshot = history[history.length - 1]
  const match = (name: string) => state.filter === '' || name.includes(state.filter)
  const topics = latest.topics.filter((t) => match(t.name))
  const groups = latest.groups.filter((g) => match(g.group))
  const names = {topics: topics.map((t) => t.name), groups: groups.map((g) => g.group)}

  useInput((input, key) => {
    const action = actionForKey(state, input, key, names)
    if (action === undefined) return
    if (action.type === 'quit') {
      exit()
      return
    }
    dispatch(action)
  })

  const body = rows - 3
  const title = `strom top  ${source.log.dir}  ${new Date(latest.takenMs).toISOString().slice(11, 19)}${state.paused ? '  [paused]' : ''}${state.filter !== '' || state.filtering ? `  filter: ${state.filter}${state.filtering ? '▏' : ''}` : ''}`
  const help = state.view.kind === 'list'
    ? '↑↓/jk move  Enter detail  Tab pane  / filter  p pause  q quit'
    : '↑↓/jk move  Esc back  p pause  q quit'

  let content: React.JSX.Element
  if (state.view.kind === 'topic') content = <TopicDetail history={history} name={state.view.name} tail={tail} columns={columns} height={body} />
  else if (state.view.kind === 'group') content = <GroupDetail snapshot={latest} name={state.view.name} columns={columns} height={body} />
  else {
    const topicsHeight = Math.max(3, Math.floor(body / 2))
    content = (
      <Box flexDirection="column">
        <TopicsPane history={history} topics={topics.map((t) => t.name)} selected={state.pane === 'topics' ? state.selected.topics : -1} columns={columns} height={topicsHeight} />
        <GroupsPane history={history} groups={groups.map((g) => g.group)} selected={state.pane === 'groups' ? state.selected.groups : -1} columns={columns} height={body - topicsHeight} />
      </Box>
    )
  }
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Text {...tone('title')}>{cell(title, columns)}</Text>
      <Box flexDirection="column" height={body}>{content}</Box>
      <Text {...tone('dim')}>{cell(help, columns)}</Text>
    </Box>
  )
}

function visibleWindow<T>(items: T[], selected: number, height: number): {items: T[]; offset: number} {
  const offset = Math.max(0, Math.min(selected - height + 1, items.length - height))
  return {items: items.slice(Math.max(0, offset), Math.max(0, offset) + height), offset: Math.max(0, offset)}
}

function TopicsPane({history, topics, selected, columns, height}: {history: Snapshot[]; topics: string[]; selected: number; columns: number; height: number}) {
  const latest = history[history.length - 1]
  const sparkWidth = Math.max(0, Math.min(30, columns - 64))
  const header = `${cell('TOPIC', 20)} ${cell('PARTS', 5, true)} ${cell('MESSAGES', 10, true)} ${cell('SIZE', 7, true)} ${cell('MSG/S', 8, true)} ${cell('B/S', 7, true)} ${sparkWidth > 0 ? 'LAST MINUTE' : ''}`
  const {items, offset} = visibleWindow(topics, Math.max(0, selected), height - 1)
  return (
    <Box flexDirection="column" height={height}>
      <Text {...tone('header')}>{cell(header, columns)}</Text>
      {items.length === 0 ? <Text {...tone('dim')}>no topics</Text> : null}
      {items.map((name, i) => {
        const t = latest.topics.find((x) => x.name === name)!
        const r = topicRates(history, name)
        const line = `${cell(name, 20)} ${cell(t.partitions.length, 5, true)} ${cell(formatCount(t.messages), 10, true)} ${cell(formatBytesShort(t.sizeBytes), 7, true)} ${cell(formatCount(r.messagesPerSecond), 8, true)} ${cell(formatBytesShort(r.bytesPerSecond), 7, true)} ${sparkWidth > 0 ? sparkline(r.history, sparkWidth) : ''}`
        return <Text key={name} inverse={offset + i === selected}>{cell(line, columns)}</Text>
      })}
    </Box>
  )
}

function GroupsPane({history, groups, selected, columns, height}: {history: Snapshot[]; groups: string[]; selected: number; columns: number; height: number}) {
  const latest = history[history.length - 1]
  const sparkWidth = Math.max(0, Math.min(30, columns - 60))
  const header = `${cell('GROUP', 20)} ${cell('STATE', 11)} ${cell('MEMBERS', 7, true)} ${cell('LAG', 10, true)} ${sparkWidth > 0 ? 'LAG, LAST MINUTE' : ''}`
  const {items, offset} = visibleWindow(groups, Math.max(0, selected), height - 1)
  return (
    <Box flexDirection="column" height={height}>
      <Text {...tone('header')}>{cell(header, columns)}</Text>
      {items.length === 0 ? <Text {...tone('dim')}>no consumer groups</Text> : null}
      {items.map((name, i) => {
        const g = latest.groups.find((x) => x.group === name)!
        const lags = lagHistory(history, name)
        const growing = lagGrowing(lags)
        const line = `${cell(name, 20)} ${cell(g.state, 11)} ${cell(g.members, 7, true)} ${cell(formatCount(g.totalLag), 10, true)} ${sparkWidth > 0 ? sparkline(lags, sparkWidth) : ''}${growing ? '  ▲ growing' : ''}`
        return <Text key={name} inverse={offset + i === selected} {...(growing ? tone('alert') : {})}>{cell(line, columns)}</Text>
      })}
    </Box>
  )
}

function TopicDetail({history, name, tail, columns, height}: {history: Snapshot[]; name: string; tail: (topic: string) => TailRecord[]; columns: number; height: number}) {
  const t = history[history.length - 1].topics.find((x) => x.name === name)
  if (t === undefined) return <Text>topic {name} is gone</Text>
  const partitionRows = Math.max(1, Math.min(t.partitions.length, Math.floor((height - 3) / 2)))
  const records = tail(name).slice(-(height - partitionRows - 3))
  return (
    <Box flexDirection="column">
      <Text {...tone('header')}>{cell(`${cell('PARTITION', 10)} ${cell('START', 12, true)} ${cell('END', 12, true)} ${cell('SIZE', 8, true)} ${cell('MSG/S', 8, true)}`, columns)}</Text>
      {t.partitions.slice(0, partitionRows).map((p) => (
        <Text key={p.partition}>{cell(`${cell(p.partition, 10)} ${cell(p.logStart, 12, true)} ${cell(p.end, 12, true)} ${cell(formatBytesShort(p.sizeBytes), 8, true)} ${cell(formatCount(partitionRate(history, name, p.partition)), 8, true)}`, columns)}</Text>
      ))}
      <Text {...tone('header')}>{cell(`newest messages of ${name}`, columns)}</Text>
      {records.map((r) => (
        <Text key={`${r.partition}:${r.offset}`}>{cell(`${cell(r.partition, 3, true)} ${cell(r.offset, 9, true)} ${new Date(r.timestamp).toISOString().slice(11, 23)} ${r.key === null ? '' : r.key + ' '}${r.value ?? '(null)'}`.replace(/[\r\n\t]/g, ' '), columns)}</Text>
      ))}
    </Box>
  )
}

function GroupDetail({snapshot, name, columns, height}: {snapshot: Snapshot; name: string; columns: number; height: number}) {
  const g = snapshot.groups.find((x) => x.group === name)
  if (g === undefined) return <Text>group {name} is gone</Text>
  const memberRows = Math.min(g.memberIds.length, Math.max(1, Math.floor(height / 3)))
  return (
    <Box flexDirection="column">
      <Text {...tone('header')}>{cell(`group ${g.group}: ${g.state}, ${g.members} members, lag ${g.totalLag}`, columns)}</Text>
      {g.memberIds.slice(0, memberRows).map((id) => <Text key={id}>{cell(`  ${id}`, columns)}</Text>)}
      <Text {...tone('header')}>{cell(`${cell('TOPIC', 20)} ${cell('PART', 4, true)} ${cell('COMMITTED', 10, true)} ${cell('END', 10, true)} ${cell('LAG', 8, true)} OWNER`, columns)}</Text>
      {g.partitions.slice(0, Math.max(0, height - memberRows - 2)).map((p) => (
        <Text key={`${p.topic}:${p.partition}`}>{cell(`${cell(p.topic, 20)} ${cell(p.partition, 4, true)} ${cell(p.committed ?? '-', 10, true)} ${cell(p.end, 10, true)} ${cell(p.lag ?? '-', 8, true)} ${p.owner ?? '-'}`, columns)}</Text>
      ))}
    </Box>
  )
}
