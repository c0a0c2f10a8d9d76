/**
 * What `strom process` does with a batch, whatever the backend (a log directory: processor.ts;
 * Kafka: kafka-processor.ts): collecting the records read into one list per input partition,
 * running the transform on each list, and choosing where each output goes.
 */
import type {RecordView} from '../core/format/record-view.js'
import {partitionForKey} from '../core/topic/murmur2.js'
import {StromError} from '../core/errors.js'
import type {InputRecord, OutputRecord, Transform} from './transform.js'

/**
 * One input partition's share of a batch: its records, or, for a transform that reads values only
 * (a COMMAND in line mode), the values already laid out as its stdin ("value\n" each) in one
 * growing buffer, which spares an object and two copies per record.
 */
export interface PartitionInput {
  topic: string
  partition: number
  count: number
  lastOffset: number
  records: InputRecord[]
  lines: Buffer
  linesUsed: number
}

/** The input records of one transaction, per input partition ("topic:partition"), in offset order. */
export class InputBatch {
  readonly byPartition = new Map<string, PartitionInput>()
  count = 0
  /** When the first record arrived (the linger counts from there). */
  startMs = 0

  /** `valuesOnly`: keep each record's value as a stdin line, nothing else (Transform.runLines). */
  constructor(readonly valuesOnly = false) {}

  /** Copies the cursor's record (the cursor's bytes are reused by the reader). */
  add(topic: string, partition: number, r: RecordView): void {
    const key = `${topic}:${partition}`
    let input = this.byPartition.get(key)
    if (input === undefined) this.byPartition.set(key, (input = {topic, partition, count: 0, lastOffset: -1, records: [], lines: EMPTY, linesUsed: 0}))
    input.count++
    input.lastOffset = r.offset
    if (this.count++ === 0) this.startMs = Date.now()
    const v = r.value()
    if (this.valuesOnly) {
      const length = v === null ? 0 : v.length
      if (input.linesUsed + length + 1 > input.lines.length) {
        const grown = Buffer.allocUnsafe(Math.max(64 * 1024, 2 * (input.linesUsed + length + 1)))
        input.lines.copy(grown, 0, 0, input.linesUsed)
        input.lines = grown
      }
      if (v !== null) input.linesUsed += Buffer.from(v.buffer, v.byteOffset, v.length).copy(input.lines, input.linesUsed)
      input.lines[input.linesUsed++] = 0x0a
      return
    }
    const k = r.key()
    input.records.push({
      topic,
      partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: k === null ? null : Buffer.from(k),
      value: v === null ? null : Buffer.from(v),
      headers: r.headerCount > 0 ? r.headers().map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)})) : [],
    })
  }

  /** Whether the batch should commit now: it is full, it lingered long enough, or the input is idle. */
  due(options: {maxRecords: number; lingerMs: number; idle: boolean}): boolean {
    return this.count > 0 && (options.idle || this.count >= options.maxRecords || Date.now() - this.startMs >= options.lingerMs)
  }

  /** The group's next offsets once this batch is processed: last offset + 1 per input partition. */
  nextOffsets(): Array<{key: string; topic: string; partition: number; offset: number}> {
    return [...this.byPartition].map(([key, input]) => ({key, topic: input.topic, partition: input.partition, offset: input.lastOffset + 1}))
  }
}

const EMPTY = Buffer.alloc(0)

/**
 * The transform's outputs for each input partition's share (run concurrently: one COMMAND per
 * share). A values-only batch gives each share's stdout as `lines` (one output value per line),
 * to be appended without an object per record; `outputs` is then empty.
 */
export async function transformBatch(transform: Transform, batch: InputBatch): Promise<Array<{inputPartition: number; outputs: OutputRecord[]; lines?: Buffer}>> {
  const inputs = [...batch.byPartition.values()]
  if (batch.valuesOnly && transform.runLines !== undefined) {
    const stdouts = await Promise.all(inputs.map((input) => transform.runLines!(input.lines.subarray(0, input.linesUsed))))
    return inputs.map((input, i) => ({inputPartition: input.partition, outputs: [], lines: stdouts[i]}))
  }
  const results = await Promise.all(inputs.map((input) => transform.run(input.records)))
  return inputs.map((input, i) => ({inputPartition: input.partition, outputs: results[i]}))
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
