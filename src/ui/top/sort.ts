/**
 * The order of the topics and groups panes. By activity (the default) what needs a look comes
 * first, so it is on screen even among hundreds of idle topics: topics by messages/s now, then by
 * the lag groups have on them, then by name; groups whose lag keeps growing first, then by lag,
 * then by name. By name: alphabetical, for finding one by eye.
 */
import type {GroupSnapshot, TopicSnapshot} from '../../core/stats/snapshot.js'
import {lagGrowing, lagSeries, topicRates, type History} from './history.js'

export type SortOrder = 'activity' | 'name'

export const SORT_LABEL: Record<SortOrder, string> = {activity: 'busiest first', name: 'by name'}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export function sortTopics(history: History, topics: TopicSnapshot[], groups: GroupSnapshot[], order: SortOrder): TopicSnapshot[] {
  if (order === 'name') return [...topics].sort((a, b) => byName(a.name, b.name))
  const lag = new Map<string, number>()
  for (const group of groups) for (const t of group.topics) lag.set(t.topic, (lag.get(t.topic) ?? 0) + (Number.isFinite(t.lag) ? t.lag : 0))
  const keyed = topics.map((topic) => ({topic, rate: topicRates(history, topic.name).messagesPerSecond || 0, lag: lag.get(topic.name) ?? 0}))
  keyed.sort((a, b) => b.rate - a.rate || b.lag - a.lag || byName(a.topic.name, b.topic.name))
  return keyed.map((k) => k.topic)
}

export function sortGroups(history: History, groups: GroupSnapshot[], order: SortOrder): GroupSnapshot[] {
  if (order === 'name') return [...groups].sort((a, b) => byName(a.group, b.group))
  const keyed = groups.map((group) => ({group, growing: lagGrowing(lagSeries(history, group.group)) ? 1 : 0, lag: Number.isFinite(group.totalLag) ? group.totalLag : 0}))
  keyed.sort((a, b) => b.growing - a.growing || b.lag - a.lag || byName(a.group.group, b.group.group))
  return keyed.map((k) => k.group)
}
