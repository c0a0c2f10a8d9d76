/**
 * Producing to Kafka. Partitions are chosen here, by strom's own partitioner (murmur2 for keys,
 * as Kafka's Java client does, sticky or round-robin for the rest), so a key lands in the same
 * partition number on a cluster as in a log directory. Records are buffered and handed to kafkajs
 * in sends of many records (one Produce request per broker each), with acks=all; flush() waits for
 * every acknowledgement, and drain() holds the input back when too much is in flight.
 */
import type {Message, Producer as KafkaProducer} from 'kafkajs'
import {StromError} from '../../core/errors.js'
import type {Header} from '../../core/format/record-batch.js'
import {Partitioner} from '../../core/topic/partitioner.js'
import type {RecordSink, SinkOptions, SinkStats} from '../backend.js'
import {headersToKafka} from './kafka-record.js'

const RECORDS_PER_SEND = 5000
const MAX_SENDS_IN_FLIGHT = 4

export class KafkaSink implements RecordSink {
  readonly stats: SinkStats = {messages: 0, bytes: 0, batches: 0}
  private readonly partitioner: Partitioner
  private pending: Message[] = []
  private readonly stickyBytes: number[]
  private readonly inFlight = new Set<Promise<void>>()
  private failure: unknown
  private lastSend: Promise<void> = Promise.resolve()

  constructor(
    private readonly producer: KafkaProducer,
    readonly topicName: string,
    readonly partitions: number,
    private readonly options: SinkOptions,
    private readonly translate: (error: unknown) => unknown,
  ) {
    this.partitioner = new Partitioner(partitions, options.partitioner)
    this.stickyBytes = Array.from({length: partitions}, () => 0)
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
    this.pending.push({key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: headersToKafka(headers), timestamp: String(timestamp), partition})
    this.stats.messages++
    this.stats.bytes += size
    // Sticky partitioning switches partition after a batch's worth of bytes, as Kafka's does.
    this.stickyBytes[partition] += size
    if (this.stickyBytes[partition] >= this.options.batchBytes) {
      this.stickyBytes[partition] = 0
      this.partitioner.onBatchSent(partition)
    }
    if (this.pending.length >= RECORDS_PER_SEND) this.dispatch()
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
      await this.producer.disconnect().catch(() => undefined)
    }
  }

  private dispatch(): void {
    if (this.pending.length === 0) return
    const messages = this.pending
    this.pending = []
    // Ordered: each send waits for the one before, so what the destination holds is always a prefix.
    const previous = this.options.ordered ? this.lastSend : Promise.resolve()
    const send: Promise<void> = previous
      .then(() => {
        if (this.failure !== undefined) throw this.failure
        return this.producer.send({topic: this.topicName, acks: -1, messages})
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
}
