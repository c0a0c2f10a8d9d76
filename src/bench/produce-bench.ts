/**
 * In-process producer benchmark (like kafka-producer-perf-test): N records of B bytes, optionally
 * keyed over K keys, optionally throttled to R records/s, measuring each batch append.
 */
import type {Topic} from '../core/log.js'
import {Producer} from '../core/producer.js'
import {LatencySummary, round, summarizeLatencies} from './stats.js'

export interface ProduceBenchOptions {
  records: number
  recordSize: number
  keys: number
  throughputPerSecond: number
  sync: boolean
  onProgress?: (done: number) => void
}

export interface ProduceBenchResult {
  records: number
  bytes: number
  seconds: number
  recordsPerSecond: number
  mbPerSecond: number
  batches: number
  batchLatency: LatencySummary
}

export async function benchProduce(topic: Topic, options: ProduceBenchOptions): Promise<ProduceBenchResult> {
  const producer = new Producer(topic, {sync: options.sync})
  const value = Buffer.alloc(options.recordSize, 'x')
  const keys = Array.from({length: Math.max(options.keys, 0)}, (_, i) => Buffer.from(`key-${i}`))
  const latencies: number[] = []
  // Time every append by timing flushes: one flush per slice of records.
  const slice = options.throughputPerSecond > 0 ? Math.max(1, Math.floor(options.throughputPerSecond / 100)) : Math.max(1, Math.floor((256 * 1024) / (options.recordSize + 20)))
  const started = process.hrtime.bigint()
  let sent = 0
  while (sent < options.records) {
    const now = Date.now()
    const end = Math.min(options.records, sent + slice)
    for (; sent < end; sent++) producer.sendBytes(keys.length === 0 ? null : keys[sent % keys.length], value, now)
    const t0 = process.hrtime.bigint()
    producer.flush()
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    options.onProgress?.(sent)
    if (options.throughputPerSecond > 0) {
      const due = Number(started) / 1e6 + (sent / options.throughputPerSecond) * 1000
      const wait = due - Number(process.hrtime.bigint()) / 1e6
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  topic.close()
  const bytes = options.records * (options.recordSize + (keys.length === 0 ? 0 : 7))
  return {
    records: options.records,
    bytes,
    seconds: round(seconds),
    recordsPerSecond: Math.round(options.records / seconds),
    mbPerSecond: round(bytes / seconds / 1e6, 1),
    batches: producer.stats.batches,
    batchLatency: summarizeLatencies(latencies),
  }
}
