/** In-process consumer benchmark (like kafka-consumer-perf-test): read every partition to its end. */
import {LogReader} from '../core/consumer.js'
import {GroupConsumer} from '../core/groups/group-consumer.js'
import type {Log, Topic} from '../core/log.js'
import {parseRange} from '../core/offset-spec.js'
import {round} from './stats.js'

export interface ConsumeBenchResult {
  records: number
  bytes: number
  seconds: number
  recordsPerSecond: number
  mbPerSecond: number
}

export async function benchConsume(log: Log, topic: Topic, group?: string): Promise<ConsumeBenchResult> {
  let records = 0
  let bytes = 0
  const started = process.hrtime.bigint()
  const count = (_t: unknown, _p: number, record: {valueLength: number; keyLength: number}) => {
    records++
    bytes += Math.max(0, record.valueLength) + Math.max(0, record.keyLength)
  }
  if (group === undefined) {
    const reader = new LogReader([...Array(topic.partitions).keys()].map((partition) => ({topic, partition})), {range: parseRange('beginning'), follow: false})
    await reader.run(count, () => undefined)
  } else {
    const consumer = new GroupConsumer(log, group, {topics: [topic.name], follow: false, reset: 'earliest', commit: 'auto'})
    await consumer.run(count, async () => undefined)
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return {records, bytes, seconds: round(seconds), recordsPerSecond: Math.round(records / seconds), mbPerSecond: round(bytes / seconds / 1e6, 1)}
}
