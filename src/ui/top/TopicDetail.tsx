/**
 * One topic: a summary line, its partitions (log start, end, messages, size, rate now), and a live
 * tail of its newest messages over all partitions. Arrows scroll the partitions.
 */
import {Box, Text} from 'ink'
import React from 'react'
import type {PartitionSnapshot, TopicSnapshot} from '../../core/stats/snapshot.js'
import type {TailRecord} from '../../core/stats/tail.js'
import {Table, type Column} from '../components/Table.js'
import {formatBytesShort, formatClock, formatCount, oneLine} from '../format.js'
import {useTheme} from '../theme.js'
import {partitionRate, topicRates, type History} from './history.js'

/** Lines for the partitions table (header included) and for the tail (its header included). */
export function topicDetailLayout(height: number, partitions: number): {partitionLines: number; tailLines: number; maxScroll: number} {
  const tables = Math.max(2, height - 2) // the summary line and the tail's title take two
  const partitionLines = Math.min(partitions + 1, Math.max(2, Math.floor(tables / 2)))
  return {partitionLines, tailLines: tables - partitionLines, maxScroll: Math.max(0, partitions - (partitionLines - 1))}
}

interface PartitionRow {
  p: PartitionSnapshot
  rate: number
}

const PARTITION_COLUMNS: Array<Column<PartitionRow>> = [
  {header: 'PARTITION', width: 9, align: 'right', cell: (r) => String(r.p.partition)},
  {header: 'START', width: 12, align: 'right', cell: (r) => String(r.p.logStart)},
  {header: 'END', width: 12, align: 'right', cell: (r) => String(r.p.end)},
  {header: 'MESSAGES', width: 10, align: 'right', cell: (r) => formatCount(r.p.end - r.p.logStart)},
  {header: 'SIZE', width: 7, align: 'right', cell: (r) => formatBytesShort(r.p.sizeBytes)},
  {header: 'MSG/S', width: 7, align: 'right', cell: (r) => formatCount(r.rate), tone: () => 'rate'},
]

const TAIL_COLUMNS: Array<Column<TailRecord>> = [
  {header: 'P', width: 3, align: 'right', cell: (r) => String(r.partition)},
  {header: 'OFFSET', width: 9, align: 'right', cell: (r) => String(r.offset)},
  {header: 'TIME', width: 12, cell: (r) => formatClock(r.timestamp, true)},
  {header: 'KEY', width: 6, grow: 1, maxWidth: 24, cell: (r) => (r.key === null ? '' : oneLine(r.key)), tone: () => 'dim'},
  {header: 'VALUE', width: 10, grow: 4, cell: (r) => oneLine(r.value)},
]

export interface TopicDetailProps {
  history: History
  name: string
  tail: TailRecord[]
  scroll: number
  width: number
  height: number
}

export function TopicDetail({history, name, tail, scroll, width, height}: TopicDetailProps): React.JSX.Element {
  const theme = useTheme()
  const topic: TopicSnapshot | undefined = history.latest.topics.find((t) => t.name === name)
  if (topic === undefined) return <Text>{`topic ${name} no longer exists (Esc to go back)`}</Text>
  const rates = topicRates(history, name)
  const layout = topicDetailLayout(height, topic.partitions.length)
  const summary = `${name}  ${topic.partitions.length} partitions  ${formatCount(topic.messages)} messages  ${formatBytesShort(topic.sizeBytes)}  ${formatCount(rates.messagesPerSecond)} msg/s  ${formatBytesShort(rates.bytesPerSecond)}/s`
  const rows = topic.partitions.map((p) => ({p, rate: partitionRate(history, name, p.partition)}))
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">{theme.header(summary)}</Text>
      <Table columns={PARTITION_COLUMNS} rows={rows} width={width} height={layout.partitionLines} rowKey={(r) => String(r.p.partition)} offset={scroll} />
      <Text wrap="truncate">{theme.header('NEWEST MESSAGES')}</Text>
      <Table columns={TAIL_COLUMNS} rows={tail.slice(-(layout.tailLines - 1))} width={width} height={layout.tailLines} rowKey={(r) => `${r.partition}:${r.offset}`} empty="no messages yet" />
    </Box>
  )
}
