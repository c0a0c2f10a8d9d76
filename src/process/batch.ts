/**
 * What `strom process` does with a batch, whatever the backend (a log directory: processor.ts;
 * Kafka: kafka-processor.ts): collecting the records read into one list per input partition,
 * running the transform on each list, and choosing where each output goes.
 */
import type {RecordView} from '../core/format/record-view.js'
import {partitionForKey} from '../core/topic/murmur2.js'
import {StromError} from '../core/errors.js'
import type {InputRecord, OutputRecord, Transform} from './transform.js'

/** The input records of one transaction, per input partition ("topic:partition"), in offset order. */
export class InputBatch {
  readonly byPartition = new Map<string, InputRecord[]>()
  count = 0
  /** When the first record arrived (the linger counts from there). */
  startMs = 0

  /** Copies the cursor's record (the cursor's bytes are reused by the reader). */
  add(topic: string, partition: number, r: RecordView): void {
    const key = `${topic}:${partition}`
    let list = this.byPartition.get(key)
    if (list === undefined) this.byPartition.set(key, (list = []))
    const k = r.key()
    const v = r.value()
    list.push({
      topic,
      partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: k === null ? null : Buffer.from(k),
      value: v === null ? null : Buffer.from(v),
      headers: r.headerCount > 0 ? r.headers().map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)})) : [],
    })
    if (this.count++ === 0) this.startMs = Date.now()
  }

  /** Whether the batch should commit now: it is full, it lingered long enough, or the input is idle. */
  due(options: {maxRecords: number; lingerMs: number; idle: boolean}): boolean {
    return this.count > 0 && (options.idle || this.count >= options.maxRecords || Date.now() - this.startMs >= options.lingerMs)
  }

  /** The group's next offsets once this batch is processed: last offset + 1 per input partition. */
  nextOffsets(): Array<{key: string; topic: string; partition: number; offset: number}> {
    return [...this.byPartition].map(([key, records]) => ({key, topic: records[0].topic, partition: records[0].partition, offset: records[records.length - 1].offset + 1}))
  }
}

/** The transform's outputs for each input partition's list (run concurrently: one COMMAND per list). */
export async function transformBatch(transform: Transform, batch: InputBatch): Promise<Array<{inputPartition: number; outputs: OutputRecord[]}>> {
  const lists = [...batch.byPartition.values()]
  const results = await Promise.all(lists.map((records) => transform.run(records)))
  return lists.map((records, i) => ({inputPartition: records[0].partition, outputs: results[i]}))
}

/**
 * Where an output goes: its envelope's topic (else `to`) and partition; else, unkeyed, the input
 * partition's number modulo the destination's partition count (so outputs keep their inputs'
 * order per partition); else the key's partition (murmur2, as Kafka's default partitioner).
 * `partitionsOf` gives a destination's partition count.
 */
export function routeOutput(out: OutputRecord, inputPartition: number, to: string, partitionsOf: (topic: string) => number): {topic: string; partition: number} {
  const topic = out.topic ?? to
  const count = partitionsOf(topic)
  if (out.partition !== undefined) {
    if (out.partition >= count) throw new StromError('INVALID_INPUT', `an output names partition ${out.partition} of '${topic}', which has ${count} partition${count === 1 ? '' : 's'}`, {hint: 'leave "partition" out to let the key choose, or name an existing partition'})
    return {topic, partition: out.partition}
  }
  return {topic, partition: out.key === null ? inputPartition % count : partitionForKey(out.key, count)}
}
