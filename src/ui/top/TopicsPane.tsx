/** The topics pane: one row per topic with size, rates now and a minute of messages/s. */
import React from 'react'
import type {TopicSnapshot} from '../../core/stats/snapshot.js'
import {sparkline} from '../components/sparkline.js'
import {Table, type Column} from '../components/Table.js'
import {formatBytesShort, formatCount} from '../format.js'
import {topicRates, type History, type TopicRates} from './history.js'

interface TopicRow {
  topic: TopicSnapshot
  rates: TopicRates
}

const COLUMNS: Array<Column<TopicRow>> = [
  {header: 'TOPIC', width: 12, grow: 1, maxWidth: 40, cell: (r) => r.topic.name},
  {header: 'PARTS', width: 5, align: 'right', cell: (r) => String(r.topic.partitions.length)},
  {header: 'MESSAGES', width: 9, align: 'right', cell: (r) => formatCount(r.topic.messages)},
  {header: 'SIZE', width: 6, align: 'right', cell: (r) => formatBytesShort(r.topic.sizeBytes)},
  {header: 'MSG/S', width: 7, align: 'right', cell: (r) => formatCount(r.rates.messagesPerSecond), tone: () => 'rate'},
  {header: 'B/S', width: 6, align: 'right', optional: true, cell: (r) => formatBytesShort(r.rates.bytesPerSecond), tone: () => 'rate'},
  {header: 'MSG/S, LAST MINUTE', width: 8, grow: 2, maxWidth: 60, optional: true, cell: (r, width) => sparkline(r.rates.history, width), tone: () => 'rate'},
]

export interface TopicsPaneProps {
  history: History
  topics: TopicSnapshot[]
  /** Index of the selected topic, when this pane has the focus. */
  selected: number | undefined
  width: number
  height: number
}

export function TopicsPane({history, topics, selected, width, height}: TopicsPaneProps): React.JSX.Element {
  // Rates only for the rows on screen would be cheaper still, but 200 topics × 60 samples is small.
  const rows = topics.map((topic) => ({topic, rates: topicRates(history, topic.name)}))
  return <Table columns={COLUMNS} rows={rows} width={width} height={height} rowKey={(r) => r.topic.name} selected={selected} empty="no topics" countHidden />
}
