/**
 * The groups pane: per group its state, live members, how many partitions have an owner, total lag
 * and a minute of lag; below it the lag of each topic it reads (the three that lag most). A group
 * whose lag rose at each of the last polls is marked ▲ and drawn in the alert colour.
 */
import React from 'react'
import type {GroupSnapshot, GroupTopicSnapshot} from '../../core/stats/snapshot.js'
import {sparkline} from '../components/sparkline.js'
import {Table, type Column} from '../components/Table.js'
import {formatCount} from '../format.js'
import {lagGrowing, lagSeries, type History} from './history.js'

export const TOPICS_PER_GROUP = 3

export type GroupRow =
  | {kind: 'group'; group: GroupSnapshot; lags: number[]; growing: boolean}
  | {kind: 'topic'; group: GroupSnapshot; topic: GroupTopicSnapshot; lags: number[]; growing: boolean}
  | {kind: 'more'; group: GroupSnapshot; count: number}

/** Rows for the pane, and for each group the index of its own row (where the cursor goes). */
export function groupRows(history: History, groups: GroupSnapshot[]): {rows: GroupRow[]; groupRowIndex: number[]} {
  const rows: GroupRow[] = []
  const groupRowIndex: number[] = []
  for (const group of groups) {
    groupRowIndex.push(rows.length)
    const lags = lagSeries(history, group.group)
    rows.push({kind: 'group', group, lags, growing: lagGrowing(lags)})
    const topics = [...group.topics].sort((a, b) => b.lag - a.lag || a.topic.localeCompare(b.topic))
    for (const topic of topics.slice(0, TOPICS_PER_GROUP)) {
      const topicLags = lagSeries(history, group.group, topic.topic)
      rows.push({kind: 'topic', group, topic, lags: topicLags, growing: lagGrowing(topicLags)})
    }
    if (topics.length > TOPICS_PER_GROUP) rows.push({kind: 'more', group, count: topics.length - TOPICS_PER_GROUP})
  }
  return {rows, groupRowIndex}
}

function owned(row: GroupRow): string {
  if (row.kind === 'more') return ''
  const topics = row.kind === 'topic' ? [row.topic] : row.group.topics
  return `${topics.reduce((n, t) => n + t.owned, 0)}/${topics.reduce((n, t) => n + t.partitions, 0)}`
}

const COLUMNS: Array<Column<GroupRow>> = [
  {
    header: 'GROUP / TOPIC',
    width: 14,
    grow: 1,
    maxWidth: 40,
    cell: (r) => (r.kind === 'group' ? r.group.group : r.kind === 'topic' ? `└ ${r.topic.topic}` : `└ +${r.count} more topics`),
    tone: (r) => (r.kind === 'group' ? undefined : 'dim'),
  },
  {header: 'STATE', width: 11, cell: (r) => (r.kind === 'group' ? r.group.state : '')},
  {header: 'MEMBERS', width: 7, align: 'right', cell: (r) => (r.kind === 'group' ? String(r.group.members.length) : '')},
  {header: 'ASSIGNED', width: 8, align: 'right', cell: owned},
  {header: 'LAG', width: 7, align: 'right', cell: (r) => (r.kind === 'more' ? '' : formatCount(r.kind === 'group' ? r.group.totalLag : r.topic.lag))},
  {header: '', width: 1, cell: (r) => (r.kind !== 'more' && r.growing ? '▲' : '')},
  {header: 'LAG, LAST MINUTE', width: 8, grow: 2, maxWidth: 60, optional: true, cell: (r, width) => (r.kind === 'more' ? '' : sparkline(r.lags, width)), tone: () => 'rate'},
]

export interface GroupsPaneProps {
  history: History
  groups: GroupSnapshot[]
  /** Index of the selected group, when this pane has the focus. */
  selected: number | undefined
  width: number
  height: number
}

export function GroupsPane({history, groups, selected, width, height}: GroupsPaneProps): React.JSX.Element {
  const {rows, groupRowIndex} = groupRows(history, groups)
  return (
    <Table
      columns={COLUMNS}
      rows={rows}
      width={width}
      height={height}
      rowKey={(r) => (r.kind === 'topic' ? `${r.group.group}\u0000${r.topic.topic}` : `${r.group.group}\u0000${r.kind}`)}
      selected={selected === undefined ? undefined : groupRowIndex[Math.min(selected, groupRowIndex.length - 1)]}
      rowTone={(r) => (r.kind !== 'more' && r.growing ? 'alert' : undefined)}
      empty="no consumer groups"
      countHidden
    />
  )
}
