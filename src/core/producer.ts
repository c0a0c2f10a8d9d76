/**
 * A producer for one topic: accumulates records per partition into RecordBatch v2 batches and
 * appends a batch when it is full (`batchBytes`, like Kafka's batch.size) or on `flush()`.
 * Appends are synchronous; the caller decides when to flush (the CLI flushes when its input
 * pauses, which is what makes a streaming pipe visible to followers within milliseconds).
 */
import {StromError} from './errors.js'
import {BatchBuilder, Header} from './format/record-batch.js'
import type {Topic} from './log.js'
import type {AppendResult} from './partition/partition-writer.js'
import {PartitionerName, Partitioner} from './topic/partitioner.js'

export interface ProducerOptions {
  partitioner?: PartitionerName
  /** fdatasync every batch before it counts as written. */
  sync?: boolean
  /** Largest batch to build (capped by the topic's max.message.bytes). */
  batchBytes?: number
}

export interface ProduceRecord {
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: Header[]
  timestamp?: number
  partition?: number
}

export interface ProducerStats {
  messages: number
  bytes: number
  batches: number
}

export class Producer {
  private readonly builders: Array<BatchBuilder | undefined>
  private readonly partitioner: Partitioner
  private readonly batchBytes: number
  private readonly requireKey: boolean
  private readonly maxMessageBytes: number
  private readonly stickyRecords: boolean
  private immutableSource: Uint8Array | undefined
  readonly stats: ProducerStats = {messages: 0, bytes: 0, batches: 0}

  constructor(readonly topic: Topic, private readonly options: ProducerOptions = {}) {
    this.builders = Array.from({length: topic.partitions}, () => undefined)
    this.partitioner = new Partitioner(topic.partitions, options.partitioner ?? 'sticky')
    this.batchBytes = Math.min(options.batchBytes ?? 256 * 1024, topic.config.maxMessageBytes)
    this.requireKey = topic.config.cleanupPolicy.includes('compact')
    this.maxMessageBytes = topic.config.maxMessageBytes
    this.stickyRecords = topic.partitions === 1
  }

  /** Queues a record; appends the partition's batch first if the record would not fit. */
  send(record: ProduceRecord): void {
    const key = toBytes(record.key ?? null)
    const value = toBytes(record.value)
    this.sendBytes(key, value, record.timestamp ?? Date.now(), record.headers, record.partition)
  }

  /** Key and value are buffers the caller may reuse after the call returns (null = null). */
  sendBytes(key: Uint8Array | null, value: Uint8Array | null, timestamp: number, headers?: Header[], explicitPartition?: number): void {
    if (value === null) this.sendSlice(key, null, 0, 0, timestamp, headers, explicitPartition)
    else this.sendSlice(key, value, 0, value.length, timestamp, headers, explicitPartition)
  }

  /** The hot path: the value is `valueSource[valueStart, valueEnd)` (a null source is a null value). */
  sendSlice(key: Uint8Array | null, valueSource: Uint8Array | null, valueStart: number, valueEnd: number, timestamp: number, headers?: Header[], explicitPartition?: number): void {
    if (key === null && this.requireKey) {
      throw new StromError('INVALID_INPUT', `topic '${this.topic.name}' is compacted (cleanup.policy=${this.topic.config.cleanupPolicy}), so every record needs a key`, {
        hint: 'give keys with -K/--key-delimiter or the "key" field of --json input',
      })
    }
    const partition = explicitPartition ?? this.partitioner.partition(key)
    if (explicitPartition !== undefined) this.topic.checkPartition(partition)
    const builder = this.builders[partition] ?? this.newBuilder(partition)
    const keyLength = key === null ? -1 : key.length
    const valueLength = valueSource === null ? -1 : valueEnd - valueStart
    const recordBytes = BatchBuilder.recordSizeUpperBound(keyLength, valueLength, headers)
    if (builder.recordCount > 0 && builder.sizeBytes + recordBytes > this.batchBytes) this.appendBatch(partition)
    if (builder.sizeBytes + recordBytes > this.maxMessageBytes) {
      throw new StromError('RECORD_TOO_LARGE', `a message of ${Math.max(0, valueLength) + Math.max(0, keyLength)} bytes is larger than max.message.bytes (${this.topic.config.maxMessageBytes}) of topic '${this.topic.name}'`, {
        hint: `raise it with \`strom topic alter ${this.topic.name} --config max.message.bytes=N\``,
      })
    }
    // Staging a stdin chunk in a batch buffer pays off when the chunk's records all go to one
    // partition (sticky, explicit, or one partition), not when they are spread over many.
    builder.addSlice(key, valueSource, valueStart, valueEnd, timestamp, headers, this.stickyRecords || explicitPartition !== undefined || (key === null && this.partitioner.strategy === 'sticky'))
    this.stats.messages++
    this.stats.bytes += Math.max(0, keyLength) + Math.max(0, valueLength)
  }

  /**
   * Declares that `source` (say, a chunk read from stdin) does not change until the next call, so
   * values sent as slices of it can be moved into batches without a copy object per record.
   * `undefined` withdraws the declaration.
   */
  useImmutableSource(source: Uint8Array | undefined): void {
    this.immutableSource = source
    for (const builder of this.builders) builder?.useImmutableSource(source)
  }

  private newBuilder(partition: number): BatchBuilder {
    const builder = new BatchBuilder(Math.min(this.batchBytes, 64 * 1024), this.topic.config.messageTimestampType)
    builder.useImmutableSource(this.immutableSource)
    this.builders[partition] = builder
    return builder
  }

  /** Appends every pending batch. */
  flush(): AppendResult[] {
    const results: AppendResult[] = []
    for (let p = 0; p < this.builders.length; p++) {
      const result = this.appendBatch(p)
      if (result !== undefined) results.push(result)
    }
    return results
  }

  /** Records queued but not yet appended. */
  pendingRecords(): number {
    let count = 0
    for (const builder of this.builders) count += builder?.recordCount ?? 0
    return count
  }

  close(): void {
    this.flush()
    this.topic.close()
  }

  private appendBatch(partition: number): AppendResult | undefined {
    const builder = this.builders[partition]
    if (builder === undefined || builder.recordCount === 0) return undefined
    const batch = builder.seal()
    try {
      const result = this.topic.writer(partition).append(batch, {sync: this.options.sync})
      this.stats.batches++
      return result
    } finally {
      builder.reset()
      this.partitioner.onBatchSent(partition)
    }
  }
}

function toBytes(value: Buffer | string | null): Buffer | null {
  if (value === null) return null
  return typeof value === 'string' ? Buffer.from(value) : value
}
