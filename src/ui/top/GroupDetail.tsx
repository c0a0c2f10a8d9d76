/**
 * One group: a summary line, its live members with what each is assigned, and per partition the
 * committed offset, end, lag and owner. Arrows scroll the partitions.
 */
import {Box, Text} from 'ink'
import React from 'react'
import type {GroupMemberSnapshot, GroupPartitionSnapshot} from '../../core/stats/snapshot.js'
import {Table, type Column} from '../components/Table.js'
import {formatCount} from '../format.js'
import {useTheme} from '../theme.js'
import {lagGrowing, lagSeries, type History} from './history.js'

/** Lines for the members table and the partitions table, headers included. */
export function groupDetailLayout(height: number, members: number, partitions: number): {memberLines: number; partitionLines: number; maxScroll: number} {
  const tables = Math.max(4, height - 1)
  const memberLines = Math.min(Math.max(1, members) + 1, Math.max(2, Math.floor(tables / 3)))
  const partitionLines = tables - memberLines
  return {memberLines, partitionLines, maxScroll: Math.max(0, partitions - (partitionLines - 1))}
}

/** "orders:0-2,5 events:1" from "topic:partition" keys. */
export function compactAssignment(keys: string[]): string {
  const byTopic = new Map<string, number[]>()
  for (const key of keys) {
    const at = key.lastIndexOf(':')
    const topic = key.slice(0, at)
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(key.slice(at + 1))])
  }
  const parts: string[] = []
  for (const [topic, partitions] of [...byTopic].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = partitions.sort((a, b) => a - b)
    const ranges: string[] = []
    for (let i = 0; i < sorted.length; i++) {
      let j = i
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
      ranges.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]))
      i = j
    }
    parts.push(`${topic}:${ranges.join(',')}`)
  }
  return parts.join(' ')
}

const MEMBER_COLUMNS: Array<Column<GroupMemberSnapshot>> = [
  {header: 'MEMBER', width: 10, grow: 1, maxWidth: 40, cell: (m) => m.id},
  {header: 'HOST', width: 10, optional: true, cell: (m) => m.host},
  {header: 'PID', width: 7, align: 'right', cell: (m) => String(m.pid)},
  {header: 'ASSIGNMENT', width: 12, grow: 2, cell: (m) => compactAssignment(m.assignment)},
]

const PARTITION_COLUMNS: Array<Column<GroupPartitionSnapshot>> = [
  {header: 'TOPIC', width: 12, grow: 1, maxWidth: 40, cell: (p) => p.topic},
  {header: 'PARTITION', width: 9, align: 'right', cell: (p) => String(p.partition)},
  {header: 'COMMITTED', width: 10, align: 'right', cell: (p) => (p.committed === null ? '-' : String(p.committed))},
  {header: 'END', width: 10, align: 'right', cell: (p) => String(p.end)},
  {header: 'LAG', width: 8, align: 'right', cell: (p) => (p.lag === null ? '-' : String(p.lag)), tone: (p) => ((p.lag ?? 0) > 0 ? 'rate' : undefined)},
  {header: 'OWNER', width: 8, grow: 1, optional: true, cell: (p) => p.owner ?? '-'},
]

export interface GroupDetailProps {
  history: History
  name: string
  scroll: number
  width: number
  height: number
}

export function GroupDetail({history, name, scroll, width, height}: GroupDetailProps): React.JSX.Element {
  const theme = useTheme()
  const group = history.latest.groups.find((g) => g.group === name)
  if (group === undefined) return <Text>{`group ${name} no longer exists (Esc to go back)`}</Text>
  const layout = groupDetailLayout(height, group.members.length, group.partitions.length)
  const growing = lagGrowing(lagSeries(history, name))
  const summary = `${name}  ${group.state}  ${group.members.length} members  lag ${formatCount(group.totalLag)}${growing ? '  ▲ growing' : ''}`
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">{growing ? theme.alert(summary) : theme.header(summary)}</Text>
      <Table columns={MEMBER_COLUMNS} rows={group.members} width={width} height={layout.memberLines} rowKey={(m) => m.id} empty="no live members" />
      <Table columns={PARTITION_COLUMNS} rows={group.partitions} width={width} height={layout.partitionLines} rowKey={(p) => `${p.topic}:${p.partition}`} offset={scroll} empty="no partitions" />
    </Box>
  )
}
