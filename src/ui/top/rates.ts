/**
 * Pure arithmetic over snapshot history: messages/s and bytes/s now, a minute of per-second rates
 * for sparklines, and whether a group's lag is growing.
 */
import type {Snapshot} from '../../core/stats/snapshot.js'

export const HISTORY_LENGTH = 60

export interface TopicRates {
  messagesPerSecond: number
  bytesPerSecond: number
  history: number[]
}

function rate(now: number, before: number, ms: number): number {
  return ms <= 0 ? 0 : Math.max(0, ((now - before) * 1000) / ms)
}

/** Rates of one topic over the history (oldest first). */
export function topicRates(history: Snapshot[], name: string): TopicRates {
  const series: number[] = []
  let bytesPerSecond = 0
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1].topics.find((t) => t.name === name)
    const b = history[i].topics.find((t) => t.name === name)
    const ms = history[i].takenMs - history[i - 1].takenMs
    series.push(a === undefined || b === undefined ? 0 : rate(b.end, a.end, ms))
    if (i === history.length - 1 && a !== undefined && b !== undefined) bytesPerSecond = rate(b.sizeBytes, a.sizeBytes, ms)
  }
  return {messagesPerSecond: series.length === 0 ? 0 : series[series.length - 1], bytesPerSecond, history: series.slice(-HISTORY_LENGTH)}
}

export function partitionRate(history: Snapshot[], topic: string, partition: number): number {
  if (history.length < 2) return 0
  const a = history[history.length - 2].topics.find((t) => t.name === topic)?.partitions.find((p) => p.partition === partition)
  const b = history[history.length - 1].topics.find((t) => t.name === topic)?.partitions.find((p) => p.partition === partition)
  if (a === undefined || b === undefined) return 0
  return rate(b.end, a.end, history[history.length - 1].takenMs - history[history.length - 2].takenMs)
}

/** Total lag of a group over the history (oldest first). */
export function lagHistory(history: Snapshot[], group: string): number[] {
  return history.map((s) => s.groups.find((g) => g.group === group)?.totalLag ?? 0).slice(-HISTORY_LENGTH)
}

/** Lag grows when it rose over each of the last three samples. */
export function lagGrowing(lags: number[]): boolean {
  if (lags.length < 4) return false
  const tail = lags.slice(-4)
  return tail[1] > tail[0] && tail[2] > tail[1] && tail[3] > tail[2]
}

export function formatCount(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)}G`
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)}k`
  return String(Math.round(value))
}

export function formatBytesShort(value: number): string {
  const units = ['B', 'K', 'M', 'G', 'T']
  let v = value
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v >= 10 || u === 0 ? v.toFixed(0) : v.toFixed(1)}${units[u]}`
}

const BLOCKS = '▁▂▃▄▅▆▇█'

/** A fixed-width sparkline of the newest `width` values. */
export function sparkline(values: number[], width: number): string {
  const tail = values.slice(-width)
  const max = Math.max(...tail, 0)
  const line = tail.map((v) => (max <= 0 ? BLOCKS[0] : BLOCKS[Math.min(BLOCKS.length - 1, Math.floor((v / max) * (BLOCKS.length - 1)))])).join('')
  return line.padStart(width, ' ')
}
