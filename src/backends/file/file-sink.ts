/** The log directory's RecordSink: the engine's Producer, which appends synchronously. */
import type {Header} from '../../core/format/record-batch.js'
import type {Topic} from '../../core/log.js'
import {DelimitedOptions, DeliveryReport, Producer} from '../../core/producer.js'
import type {RecordSink, SinkOptions, SinkStats} from '../backend.js'

export class FileSink implements RecordSink {
  readonly producer: Producer

  constructor(readonly topic: Topic, options: SinkOptions) {
    this.producer = new Producer(topic, {partitioner: options.partitioner, sync: options.sync, batchBytes: options.batchBytes, compression: options.compression})
  }

  get topicName(): string {
    return this.topic.name
  }

  get maxMessageBytes(): number {
    return this.topic.config.maxMessageBytes
  }

  get partitions(): number {
    return this.topic.partitions
  }

  get stats(): SinkStats {
    return this.producer.stats
  }

  checkPartition(partition: number): void {
    this.topic.checkPartition(partition)
  }

  sendSlice(key: Buffer | null, buf: Buffer, start: number, end: number, timestamp: number, headers?: Header[], partition?: number): void {
    this.producer.sendSlice(key, buf, start, end, timestamp, headers, partition)
  }

  sendBytes(key: Buffer | null, value: Buffer | null, timestamp: number, headers?: Header[], partition?: number): void {
    this.producer.sendBytes(key, value, timestamp, headers, partition)
  }

  sendDelimited(buf: Buffer, start: number, end: number, options: DelimitedOptions, timestamp: number): void {
    this.producer.sendDelimited(buf, start, end, options, timestamp)
  }

  inputBuffer(bytes: number): Buffer | undefined {
    return this.producer.inputBuffer(bytes)
  }

  flush(): void {
    this.producer.flush()
  }

  useImmutableSource(source: Buffer | undefined): void {
    this.producer.useImmutableSource(source)
  }

  delivery(): DeliveryReport {
    return this.producer.delivery()
  }

  discardPending(): void {
    this.producer.discardPending()
  }

  async close(): Promise<void> {
    try {
      this.producer.flush()
    } finally {
      this.topic.close()
    }
  }
}
