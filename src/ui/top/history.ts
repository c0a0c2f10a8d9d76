/**
 * The last minute of snapshots, reduced to what the dashboard draws: per topic its end offset and
 * size, per group (and group × topic) its lag, one value per poll. Pure functions; the history is
 * replaced, never changed, so React sees each poll as a new value.
 */
import type {Snapshot} from '../../core/stats/snapshot.js'

/** 61 samples: 60 one-second rates for a minute of sparkline. */
export const HISTORY_SAMPLES = 61

export interface History {
  latest: Snapshot
  previous: Snapshot | undefined
  /** takenMs of each sample, oldest first; every series below is aligned with it (NaN = absent). */
  times: number[]
  topicEnd: Map<string, number[]>
  topicBytes: Map<string, number[]>
  groupLag: Map<string, number[]>
  groupTopicLag: Map<string, number[]>
}

export const groupTopicKey = (group: string, topic: string): string => `${group}\u0000${topic}`

function extend(series: Map<string, number[]> | undefined, length: number, values: Array<[string, number]>): Map<string, number[]> {
  const next = new Map<string, number[]>()
  for (const [name, value] of values) {
    const old = series?.get(name) ?? new Array<number>(length).fill(Number.NaN)
    const grown = old.length >= HISTORY_SAMPLES ? old.slice(old.length - HISTORY_SAMPLES + 1) : old.slice()
    grown.push(value)
    next.set(name, grown)
  }
  return next
}

/** The history with one more snapshot; names no longer present are dropped. */
export function addSample(history: History | undefined, snapshot: Snapshot): History {
  const length = Math.min(history?.times.length ?? 0, HISTORY_SAMPLES - 1)
  const times = [...(history?.times.slice(-length) ?? []), snapshot.takenMs].slice(-HISTORY_SAMPLES)
  const groupTopics: Array<[string, number]> = []
  for (const g of snapshot.groups) for (const t of g.topics) groupTopics.push([groupTopicKey(g.group, t.topic), t.lag])
  return {
    latest: snapshot,
    previous: history?.latest,
    times,
    topicEnd: extend(history?.topicEnd, length, snapshot.topics.map((t) => [t.name, t.end])),
    topicBytes: extend(history?.topicBytes, length, snapshot.topics.map((t) => [t.name, t.sizeBytes])),
    groupLag: extend(history?.groupLag, length, snapshot.groups.map((g) => [g.group, g.totalLag])),
    groupTopicLag: extend(history?.groupTopicLag, length, groupTopics),
  }
}

/** Per-second increase between neighbouring samples (0 where a sample is missing or it fell). */
export function perSecond(series: number[], times: number[]): number[] {
  const rates: number[] = []
  for (let i = 1; i < series.length; i++) {
    const ms = times[i] - times[i - 1]
    const delta = series[i] - series[i - 1]
    rates.push(ms > 0 && Number.isFinite(delta) && delta > 0 ? (delta * 1000) / ms : 0)
  }
  return rates
}

export interface TopicRates {
  messagesPerSecond: number
  bytesPerSecond: number
  /** Messages per second over the last minute, oldest first. */
  history: number[]
}

export function topicRates(history: History, name: string): TopicRates {
  const messages = perSecond(history.topicEnd.get(name) ?? [], history.times)
  const sizes = history.topicBytes.get(name) ?? []
  const bytes = perSecond(sizes, history.times)
  // No size known (a Kafka cluster): no byte rate either, shown as "-" rather than a false 0.
  const bytesPerSecond = sizes.length > 0 && !Number.isFinite(sizes[sizes.length - 1]) ? Number.NaN : bytes.at(-1) ?? 0
  return {messagesPerSecond: messages.at(-1) ?? 0, bytesPerSecond, history: messages}
}

export function partitionRate(history: History, topic: string, partition: number): number {
  const before = history.previous?.topics.find((t) => t.name === topic)?.partitions[partition]
  const now = history.latest.topics.find((t) => t.name === topic)?.partitions[partition]
  if (before === undefined || now === undefined || history.previous === undefined) return 0
  return perSecond([before.end, now.end], [history.previous.takenMs, history.latest.takenMs])[0]
}

/** A group's total lag (or its lag in one topic) over the last minute, oldest first. */
export function lagSeries(history: History, group: string, topic?: string): number[] {
  const series = topic === undefined ? history.groupLag.get(group) : history.groupTopicLag.get(groupTopicKey(group, topic))
  return (series ?? []).map((v) => (Number.isFinite(v) ? v : 0))
}

/** Lag grows when it rose at each of the last three polls. */
export function lagGrowing(lags: number[]): boolean {
  if (lags.length < 4) return false
  const [a, b, c, d] = lags.slice(-4)
  return b > a && c > b && d > c
}
