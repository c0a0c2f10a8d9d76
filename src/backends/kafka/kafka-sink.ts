/**
 * Producing to Kafka. Partitions are chosen here, by strom's own partitioner (murmur2 for keys,
 * as Kafka's Java client does, sticky or round-robin for the rest), so a key lands in the same
 * partition number on a cluster as in a log directory. Records are buffered per partition and sent
 * in Produce requests of many records (one per partition leader), with acks=all; flush() waits for
 * every acknowledgement, and drain() holds the input back when too much is in flight.
 *
 * The requests go through kafkajs' Broker (see client.ts), not its Producer: with partitions chosen
 * already, the Producer only adds work, and its grouping of messages by partition copies the list
 * once per message (quadratic in the records per send; most of the CPU of a large send).
 */
import {StromError} from '../../core/errors.js'
import type {Header} from '../../core/format/record-batch.js'
import {Partitioner} from '../../core/topic/partitioner.js'
import type {RecordSink, SinkOptions, SinkStats} from '../backend.js'
import type {InternalCluster} from './client.js'
import {headersToKafka} from './kafka-record.js'

interface Message {
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer | Buffer[]>
  timestamp: string
}

const RECORDS_PER_SEND = 10_000
const BYTES_PER_SEND = 2 * 1024 * 1024
/** A partition's share of a send stays well under Kafka's default max.message.bytes (1 MiB). */
const MAX_PARTITION_BYTES = 512 * 1024
const MAX_SENDS_IN_FLIGHT = 4
/** Leadership moved or metadata was stale: refresh and send again, this many times. */
const RETRIES = 3
const RETRIABLE = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'NOT_ENOUGH_REPLICAS', 'REQUEST_TIMED_OUT', 'NETWORK_EXCEPTION'])

export class KafkaSink implements RecordSink {
  readonly stats: SinkStats = {messages: 0, bytes: 0, batches: 0}
  private readonly partitioner: Partitioner
  private pending = new Map<number, Message[]>()
  private pendingRecords = 0
  private pendingBytes = 0
  private readonly partitionBytes: number[]
  private readonly partitionLimit: number
  private readonly stickyBytes: number[]
  private readonly inFlight = new Set<Promise<void>>()
  private failure: unknown
  private lastSend: Promise<void> = Promise.resolve()

  constructor(
    private readonly cluster: InternalCluster,
    readonly topicName: string,
    readonly partitions: number,
    private readonly options: SinkOptions,
    private readonly translate: (error: unknown) => unknown,
  ) {
    this.partitioner = new Partitioner(partitions, options.partitioner)
    this.stickyBytes = Array.from({length: partitions}, () => 0)
    this.partitionBytes = Array.from({length: partitions}, () => 0)
    this.partitionLimit = Math.min(options.batchBytes, MAX_PARTITION_BYTES)
  }

  checkPartition(partition: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) {
      throw new StromError('UNKNOWN_PARTITION', `topic '${this.topicName}' has no partition ${partition} (it has ${this.partitions}: 0..${this.partitions - 1})`)
    }
  }

  sendSlice(key: Buffer | null, buf: Buffer, start: number, end: number, timestamp: number, headers?: Header[], partition?: number): void {
    // The slice points into a reused input chunk: kafkajs keeps the bytes until the send is acknowledged.
    this.sendBytes(key, Buffer.from(buf.subarray(start, end)), timestamp, headers, partition)
  }

  sendBytes(key: Buffer | null, value: Buffer | null, timestamp: number, headers?: Header[], explicit?: number): void {
    if (this.failure !== undefined) throw this.failure
    if (explicit !== undefined) this.checkPartition(explicit)
    const partition = explicit ?? this.partitioner.partition(key)
    const size = (key?.length ?? 0) + (value?.length ?? 0)
    let list = this.pending.get(partition)
    if (list === undefined) this.pending.set(partition, (list = []))
    list.push({key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: headersToKafka(headers), timestamp: String(timestamp)})
    this.pendingRecords++
    this.pendingBytes += size
    this.partitionBytes[partition] += size + 16
    this.stats.messages++
    this.stats.bytes += size
    // Sticky partitioning switches partition after a batch's worth of bytes, as Kafka's does.
    this.stickyBytes[partition] += size
    if (this.stickyBytes[partition] >= this.options.batchBytes) {
      this.stickyBytes[partition] = 0
      this.partitioner.onBatchSent(partition)
    }
    if (this.pendingRecords >= RECORDS_PER_SEND || this.pendingBytes >= BYTES_PER_SEND || this.partitionBytes[partition] >= this.partitionLimit) this.dispatch()
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
      await this.cluster.disconnect().catch(() => undefined)
    }
  }

  private dispatch(): void {
    if (this.pendingRecords === 0) return
    const byPartition = this.pending
    this.pending = new Map()
    this.pendingRecords = 0
    this.pendingBytes = 0
    this.partitionBytes.fill(0)
    // Ordered: each send waits for the one before, so what the destination holds is always a prefix.
    const previous = this.options.ordered ? this.lastSend : Promise.resolve()
    const send: Promise<void> = previous
      .then(() => {
        if (this.failure !== undefined) throw this.failure
        return this.produce(byPartition)
      })
      .then(() => {
        this.stats.batches++
      })
      .catch((error: unknown) => {
        this.failure ??= this.translate(error)
      })
      .finally(() => this.inFlight.delete(send))
    this.inFlight.add(send)
    this.lastSend = send
  }

  /** One Produce request per partition leader, all acknowledged (acks=all) before this resolves. */
  private async produce(byPartition: Map<number, Message[]>, attempt = 0): Promise<void> {
    let remaining = byPartition
    for (;;) {
      const leaders = this.cluster.findLeaderForPartitions(this.topicName, [...remaining.keys()])
      const failed = new Map<number, Message[]>()
      let lastError: unknown
      await Promise.all(Object.entries(leaders).map(async ([leader, partitions]) => {
        try {
          const broker = await this.cluster.findBroker({nodeId: leader})
          await broker.produce({
            acks: -1,
            timeout: 30_000,
            topicData: [{topic: this.topicName, partitions: partitions.map((partition) => ({partition, messages: remaining.get(partition)!}))}],
          })
        } catch (error) {
          lastError = error
          for (const partition of partitions) failed.set(partition, remaining.get(partition)!)
        }
      }))
      if (failed.size === 0) return
      const type = (lastError as {type?: string; name?: string}).type
      const retriable = (type !== undefined && RETRIABLE.has(type)) || /Connection/.test((lastError as {name?: string}).name ?? '')
      if (!retriable || attempt >= RETRIES) throw lastError
      attempt++
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
      await this.cluster.refreshMetadata()
      remaining = failed
    }
  }
}
