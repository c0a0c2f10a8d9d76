/**
 * Producing to Kafka. Partitions are chosen here, by strom's own partitioner (murmur2 for keys,
 * as Kafka's Java client does, sticky or round-robin for the rest), so a key lands in the same
 * partition number on a cluster as in a log directory. Records go straight into a RecordBatch per
 * partition (src/core's BatchBuilder, the same encoder a log directory uses), compressed with
 * --compression's codec if one is given, and the batches into Produce requests, one per partition
 * leader, with acks=all unless --acks says otherwise. flush() waits for every acknowledgement;
 * drain() holds the input back while too much is in flight.
 * The Produce requests are encoded by the declared protocol layer (src/protocol) at the highest
 * version both sides speak (zstd needs v7 or later, KIP-110); the batches inside are the bytes a
 * log directory would hold.
 */
import {StromError} from '../../core/errors.js'
import {CODEC_NONE, codecId} from '../../core/format/compression.js'
import {BatchBuilder, Header, compressBatch} from '../../core/format/record-batch.js'
import {Partitioner} from '../../core/topic/partitioner.js'
import type {KafkaCluster} from '../../client/cluster.js'
import {KafkaProtocolError} from '../../client/kafka-error.js'
import {produceBatches} from '../../client/produce.js'
import type {RecordSink, SinkOptions, SinkStats} from '../backend.js'

const BYTES_PER_SEND = 4 * 1024 * 1024
/** A partition's batch stays well under Kafka's default max.message.bytes (1 MiB). */
const MAX_PARTITION_BYTES = 512 * 1024
const MAX_SENDS_IN_FLIGHT = 4
/** zstd batches need Produce v7 or later (KIP-110): brokers refuse them below. */
const FIRST_ZSTD_PRODUCE_VERSION = 7
const ZSTD = 4

export class KafkaSink implements RecordSink {
  readonly stats: SinkStats = {messages: 0, bytes: 0, batches: 0}
  private readonly partitioner: Partitioner
  private readonly builders: Array<BatchBuilder | undefined>
  private pendingBytes = 0
  private readonly partitionLimit: number
  private readonly inFlight = new Set<Promise<void>>()
  private lastSend: Promise<void> = Promise.resolve()
  private failure: unknown
  private readonly codec: number

  constructor(
    private readonly cluster: KafkaCluster,
    readonly topicName: string,
    readonly partitions: number,
    private readonly options: SinkOptions,
    private readonly translate: (error: unknown) => unknown,
  ) {
    this.partitioner = new Partitioner(partitions, options.partitioner)
    this.builders = Array.from({length: partitions}, () => undefined)
    this.partitionLimit = Math.min(options.batchBytes, MAX_PARTITION_BYTES)
    this.codec = codecId(options.compression ?? 'none') ?? CODEC_NONE
  }

  checkPartition(partition: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) {
      throw new StromError('UNKNOWN_PARTITION', `topic '${this.topicName}' has no partition ${partition} (it has ${this.partitions}: 0..${this.partitions - 1})`)
    }
  }

  sendSlice(key: Buffer | null, buf: Buffer, start: number, end: number, timestamp: number, headers?: Header[], partition?: number): void {
    this.add(key, buf, start, end, timestamp, headers, partition)
  }

  sendBytes(key: Buffer | null, value: Buffer | null, timestamp: number, headers?: Header[], partition?: number): void {
    this.add(key, value, 0, value?.length ?? 0, timestamp, headers, partition)
  }

  /** A null source is a null value (a tombstone). The bytes are copied into the batch here. */
  private add(key: Buffer | null, source: Buffer | null, start: number, end: number, timestamp: number, headers: Header[] | undefined, explicit: number | undefined): void {
    if (this.failure !== undefined) throw this.failure
    if (explicit !== undefined) this.checkPartition(explicit)
    const partition = explicit ?? this.partitioner.partition(key)
    const recordBytes = BatchBuilder.recordSizeUpperBound(key === null ? -1 : key.length, source === null ? -1 : end - start, headers)
    let builder = this.builders[partition]
    if (builder === undefined) this.builders[partition] = builder = new BatchBuilder(64 * 1024)
    if (builder.recordCount > 0 && builder.sizeBytes + recordBytes > this.partitionLimit) this.dispatch()
    builder.addSlice(key, source, start, end, timestamp, headers)
    this.pendingBytes += recordBytes
    this.stats.messages++
    this.stats.bytes += (key?.length ?? 0) + (source === null ? 0 : end - start)
    if (this.pendingBytes >= BYTES_PER_SEND) this.dispatch()
  }

  /** A promise to wait on when too many sends are unacknowledged, else undefined. */
  drain(): Promise<void> | undefined {
    if (this.inFlight.size < (this.options.ordered ? 1 : MAX_SENDS_IN_FLIGHT)) return undefined
    return Promise.race(this.inFlight).then(() => undefined)
  }

  async flush(): Promise<void> {
    this.dispatch()
    await Promise.all(this.inFlight)
    if (this.failure !== undefined) throw this.failure
  }

  async close(): Promise<void> {
    try {
      await this.flush()
    } finally {
      this.cluster.close()
    }
  }

  private dispatch(): void {
    const batches = new Map<number, Buffer>()
    for (let p = 0; p < this.builders.length; p++) {
      const builder = this.builders[p]
      if (builder === undefined || builder.recordCount === 0) continue
      // seal() returns a view of the builder's buffer, which is reused: the request needs its own
      // copy, which compressBatch makes (with a codec) or Buffer.from (without).
      const sealed = builder.seal()
      batches.set(p, this.codec === CODEC_NONE ? Buffer.from(sealed) : compressBatch(sealed, this.codec))
      builder.reset()
      this.partitioner.onBatchSent(p)
    }
    this.pendingBytes = 0
    if (batches.size === 0) return
    // Ordered: each send waits for the one before, so what the destination holds is always a prefix.
    const previous = this.options.ordered ? this.lastSend : Promise.resolve()
    const send: Promise<void> = previous
      .then(() => {
        if (this.failure !== undefined) throw this.failure
        return this.produce(batches)
      })
      .then(() => {
        this.stats.batches += batches.size
      })
      .catch((error: unknown) => {
        this.failure ??= this.translate(error)
      })
      .finally(() => this.inFlight.delete(send))
    this.inFlight.add(send)
    this.lastSend = send
  }

  /** One Produce request per partition leader, all acknowledged (per --acks) before this resolves. */
  private async produce(batches: Map<number, Buffer>): Promise<void> {
    await produceBatches(this.cluster, this.topicName, batches, {
      acks: this.options.acks ?? -1,
      checkVersion: (version, broker) => {
        if (this.codec === ZSTD && version < FIRST_ZSTD_PRODUCE_VERSION) throw new KafkaProtocolError(76, `producing to ${broker.address}`, 'the broker is older than Kafka 2.1 and cannot store zstd')
      },
    })
  }
}
