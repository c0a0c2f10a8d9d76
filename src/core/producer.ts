/**
 * A producer for one topic: accumulates records per partition into RecordBatch v2 batches and
 * appends a batch when it is full (`batchBytes`, like Kafka's batch.size) or on `flush()`.
 * A full batch is compressed (the codec asked for, else the topic's compression.type) just before
 * its append; `batchBytes` bounds the records before compression, as Kafka's batch.size does.
 * Appends are synchronous; the caller decides when to flush (the CLI flushes when its input
 * pauses, which is what makes a streaming pipe visible to followers within milliseconds).
 */
import type {CompressionType} from './config.js'
import {StromError} from './errors.js'
import {ByteArena} from './format/byte-arena.js'
import {CODEC_NONE, CodecName, codecId} from './format/compression.js'
import {BatchBuilder, Header, compressBatch} from './format/record-batch.js'
import type {Topic} from './log.js'
import type {AppendResult} from './partition/partition-writer.js'
import {partitionForKeyRange} from './topic/murmur2.js'
import {PartitionerName, Partitioner} from './topic/partitioner.js'

export interface ProducerOptions {
  partitioner?: PartitionerName
  /** fdatasync every batch before it counts as written. */
  sync?: boolean
  /** Largest batch to build (capped by the topic's max.message.bytes). */
  batchBytes?: number
  /** Codec of the appended batches; default: the topic's compression.type. */
  compression?: CodecName
  /** Makes every batch part of a transaction (see txn/transactional-producer.ts). */
  transactional?: TransactionalBatches
}

/** What a transaction does to each batch before it is appended. */
export interface TransactionalBatches {
  /**
   * Called with the sealed, uncompressed batch: joins the partition to the transaction, stamps the
   * producer id, epoch, sequence and transactional bit, and returns the check to run under the
   * partition's write lock (the fencing of a zombie producer).
   */
  beforeAppend(topic: string, partition: number, batch: Buffer): (nextOffset: number) => void
}

/** The codec id a producer uses: the one asked for, else the topic's (`producer` and `uncompressed`: none). */
export function producedCodec(asked: CodecName | undefined, topicType: CompressionType): number {
  const name = asked ?? (topicType === 'producer' || topicType === 'uncompressed' ? 'none' : topicType)
  return codecId(name) ?? CODEC_NONE
}

export interface ProduceRecord {
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: Header[]
  timestamp?: number
  partition?: number
}

/** How `sendDelimited` cuts its input into records. */
export interface DelimitedOptions {
  /** The byte that ends each message. */
  delimiter: number
  /** The byte that ends a message's key (its first occurrence); -1: no keys. */
  keyDelimiter: number
  /** An empty key or value is sent as null. */
  nullEmpty?: boolean
  /** Every record to this partition (else the partitioner chooses). */
  partition?: number
}

// Keys are looked for in the first this many bytes of a message with a loop, then with indexOf.
const KEY_SCAN_BYTES = 32
// The arena's batch regions stay within this (partitions beyond it get builders of their own).
const MAX_ARENA_BATCH_BYTES = 256 * 1024 * 1024

/**
 * What became of the records taken so far, by their number in the order they were sent (0 is the
 * first): `[start, end)` ranges, sorted. Every record not listed was written.
 */
export interface DeliveryReport {
  /** Records taken (stats.messages). */
  records: number
  /** Some append failed (not only records still pending). */
  appendFailed: boolean
  /** Not written: their batch failed and was cut back, or was never appended (see discardPending). */
  notWritten: Array<[number, number]>
  /** Their batch failed in a way that may have left it in the log. */
  maybeWritten: Array<[number, number]>
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
  private readonly codec: number
  /** Where the builders' batches and the caller's input share memory; made on the first declared source. */
  private arena: ByteArena | undefined
  /** Per partition, the numbers of the records in its pending batch: flat [start, end) pairs. */
  private readonly pendingRanges: number[][]
  private readonly notWritten: number[] = []
  private readonly maybeWritten: number[] = []
  /** The partition builderWithRoom settled on (the sticky partition may change on the way). */
  private chosen = 0
  private failedAppends = 0
  private readonly stickyUnkeyed: boolean
  readonly stats: ProducerStats = {messages: 0, bytes: 0, batches: 0}

  constructor(readonly topic: Topic, private readonly options: ProducerOptions = {}) {
    this.builders = Array.from({length: topic.partitions}, () => undefined)
    this.pendingRanges = Array.from({length: topic.partitions}, () => [])
    this.partitioner = new Partitioner(topic.partitions, options.partitioner ?? 'sticky')
    this.batchBytes = Math.min(options.batchBytes ?? 256 * 1024, topic.config.maxMessageBytes)
    this.requireKey = topic.config.cleanupPolicy.includes('compact')
    this.maxMessageBytes = topic.config.maxMessageBytes
    this.stickyUnkeyed = (options.partitioner ?? 'sticky') === 'sticky'
    this.codec = producedCodec(options.compression, topic.config.compressionType)
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
    if (key === null && this.requireKey) throw this.keyRequired()
    const partition = explicitPartition ?? this.partitioner.partition(key)
    if (explicitPartition !== undefined) this.topic.checkPartition(partition)
    const keyLength = key === null ? -1 : key.length
    const valueLength = valueSource === null ? -1 : valueEnd - valueStart
    this.builderWithRoom(partition, keyLength, valueLength, headers, key === null && explicitPartition === undefined).addSlice(key, valueSource, valueStart, valueEnd, timestamp, headers)
    this.counted(this.chosen, keyLength, valueLength)
  }

  /**
   * The hot path of `produce` from stdin: every message in source[start, end), each followed by
   * `delimiter` (the last one may end at `end`), becomes a record with no headers; its key is what
   * comes before the first `keyDelimiter`, when there is one. The bytes go from the source into
   * the batches with no object per record (no slices, no closures), and keys are hashed in place.
   * On an error the records before the failing one are queued (stats.messages counts them).
   */
  sendDelimited(source: Buffer, start: number, end: number, options: DelimitedOptions, timestamp: number): void {
    const {delimiter, keyDelimiter} = options
    const nullEmpty = options.nullEmpty === true
    const explicit = options.partition
    if (explicit !== undefined) this.topic.checkPartition(explicit)
    // The next key delimiter after a long key's first bytes; searched again only once passed, so
    // messages without a key cost one search in all, not one to the end of the source each.
    let keyAt = -1
    let at = start
    while (at < end) {
      let lineEnd = source.indexOf(delimiter, at)
      if (lineEnd < 0 || lineEnd > end) lineEnd = end
      let keyStart = -1
      let keyEnd = -1
      let valueStart = at
      if (keyDelimiter >= 0) {
        // Keys are short: look at the first bytes in place; only then ask indexOf (a call
        // into C++), whose answer serves every message up to the delimiter it found.
        let i = at
        const near = Math.min(lineEnd, at + KEY_SCAN_BYTES)
        while (i < near && source[i] !== keyDelimiter) i++
        if (i === near && near < lineEnd) {
          if (keyAt < near) {
            keyAt = source.indexOf(keyDelimiter, near)
            if (keyAt < 0) keyAt = source.length
          }
          i = keyAt < lineEnd ? keyAt : lineEnd
        }
        if (i < lineEnd) {
          valueStart = i + 1
          if (!(nullEmpty && i === at)) {
            keyStart = at
            keyEnd = i
          }
        }
      }
      if (keyStart < 0 && this.requireKey) throw this.keyRequired()
      const partition = explicit ?? (keyStart >= 0 ? partitionForKeyRange(source, keyStart, keyEnd, this.builders.length) : this.partitioner.partition(null))
      const keyLength = keyStart < 0 ? -1 : keyEnd - keyStart
      const valueLength = lineEnd - valueStart
      const builder = this.builderWithRoom(partition, keyLength, valueLength, undefined, keyStart < 0 && explicit === undefined)
      if (nullEmpty && valueLength === 0) builder.addSlice(keyStart < 0 ? null : source.subarray(keyStart, keyEnd), null, 0, 0, timestamp)
      else builder.addFromSource(source, keyStart, keyEnd, valueStart, lineEnd, timestamp)
      this.counted(this.chosen, keyLength, valueLength)
      at = lineEnd + 1
    }
  }

  /**
   * Memory for the caller to read its input into (`bytes` of it): the batches live in the same
   * arena, so values from there move into them without a copy object per record. Undefined when
   * the arena was already made (then declared sources are copied into it once instead).
   */
  inputBuffer(bytes: number): Buffer | undefined {
    if (this.arena !== undefined) return undefined
    return this.makeArena(bytes)?.carve(bytes)
  }

  /**
   * Declares that `source` (say, a chunk read from stdin) does not change until the next call, so
   * values sent as slices of it can be moved into batches without a copy object per record.
   * `undefined` withdraws the declaration.
   */
  useImmutableSource(source: Uint8Array | undefined): void {
    if (source !== undefined) this.arena ??= this.makeArena(0)
    this.arena?.useSource(source)
  }

  /** The arena: `inputBytes` for the caller and a batch region per partition (as many as fit), besides its staging area. */
  private makeArena(inputBytes: number): ByteArena | undefined {
    const regions = Math.max(1, Math.min(this.builders.length, Math.floor(MAX_ARENA_BATCH_BYTES / this.batchBytes)))
    try {
      this.arena = new ByteArena(inputBytes + regions * this.batchBytes)
    } catch {
      // No memory for it (a RangeError): builders of their own, values copied one by one.
      this.arena = undefined
    }
    return this.arena
  }

  private newBuilder(partition: number): BatchBuilder {
    // In the arena, a builder's region holds a whole batch; alone it starts small and grows.
    const builder = this.arena !== undefined && this.arena.free >= this.batchBytes
      ? new BatchBuilder(this.batchBytes, this.topic.config.messageTimestampType, this.arena)
      : new BatchBuilder(Math.min(this.batchBytes, 64 * 1024), this.topic.config.messageTimestampType, this.arena)
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

  /**
   * The partition's builder, with room for a record of these lengths (-1 = null): a batch it would
   * overfill is appended first; a record no batch can hold is RECORD_TOO_LARGE.
   */
  private builderWithRoom(partition: number, keyLength: number, valueLength: number, headers: Header[] | undefined, unkeyed: boolean): BatchBuilder {
    let builder = this.builders[partition] ?? this.newBuilder(partition)
    const recordBytes = BatchBuilder.recordSizeUpperBound(keyLength, valueLength, headers)
    if (builder.recordCount > 0 && builder.sizeBytes + recordBytes > this.batchBytes) {
      this.appendBatch(partition)
      // As Kafka's sticky partitioner does (abortOnNewBatch): an unkeyed record that would begin a
      // new batch goes to the next sticky partition instead, so at most one partition has unkeyed
      // records pending and the batches follow the input's order (what was written before a
      // failed append is then always the input's first messages).
      if (unkeyed && this.stickyUnkeyed) {
        partition = this.partitioner.partition(null)
        builder = this.builders[partition] ?? this.newBuilder(partition)
        if (builder.recordCount > 0 && builder.sizeBytes + recordBytes > this.batchBytes) this.appendBatch(partition)
      }
    }
    if (builder.sizeBytes + recordBytes > this.maxMessageBytes) throw this.tooLarge(keyLength, valueLength)
    this.chosen = partition
    return builder
  }

  /** Counts a queued record in the stats (key and value bytes; -1 = null) and in its batch's ranges. */
  private counted(partition: number, keyLength: number, valueLength: number): void {
    const seq = this.stats.messages
    const ranges = this.pendingRanges[partition]
    // Unkeyed records (sticky) fill one batch at a time: one range per batch, extended in place.
    if (ranges.length > 0 && ranges[ranges.length - 1] === seq) ranges[ranges.length - 1] = seq + 1
    else ranges.push(seq, seq + 1)
    this.stats.messages++
    this.stats.bytes += Math.max(0, keyLength) + Math.max(0, valueLength)
  }

  private keyRequired(): StromError {
    return new StromError('INVALID_INPUT', `topic '${this.topic.name}' is compacted (cleanup.policy=${this.topic.config.cleanupPolicy}), so every record needs a key`, {
      hint: 'give keys with -K/--key-delimiter or the "key" field of --json input',
    })
  }

  private tooLarge(keyLength: number, valueLength: number): StromError {
    return new StromError('RECORD_TOO_LARGE', `a message of ${Math.max(0, valueLength) + Math.max(0, keyLength)} bytes is larger than max.message.bytes (${this.topic.config.maxMessageBytes}) of topic '${this.topic.name}'`, {
      hint: `raise it with \`strom topic alter ${this.topic.name} --config max.message.bytes=N\``,
    })
  }

  private appendBatch(partition: number): AppendResult | undefined {
    const builder = this.builders[partition]
    if (builder === undefined || builder.recordCount === 0) return undefined
    const sealed = builder.seal()
    let check: ((nextOffset: number) => void) | undefined
    try {
      check = this.options.transactional?.beforeAppend(this.topic.name, partition, sealed)
    } catch (error) {
      appendAll(this.notWritten, this.pendingRanges[partition])
      this.pendingRanges[partition] = []
      builder.reset()
      throw error
    }
    const batch = this.compressed(sealed)
    try {
      const result = this.topic.writer(partition).append(batch, {sync: this.options.sync, check})
      this.stats.batches++
      return result
    } catch (error) {
      this.failedAppends++
      const maybe = (error as StromError).details?.maybeWritten === true
      appendAll(maybe ? this.maybeWritten : this.notWritten, this.pendingRanges[partition])
      throw error
    } finally {
      this.pendingRanges[partition] = []
      builder.reset()
      this.partitioner.onBatchSent(partition)
    }
  }

  /**
   * Drops every pending batch unappended (they count as not written): after a failed append, a
   * caller that stops there keeps what was written a prefix of its input, as far as it can.
   */
  discardPending(): void {
    for (let p = 0; p < this.builders.length; p++) {
      appendAll(this.notWritten, this.pendingRanges[p])
      this.pendingRanges[p] = []
      this.builders[p]?.reset()
    }
  }

  /** What became of the records sent so far; pending ones count as not written (yet). */
  delivery(): DeliveryReport {
    const pending = this.pendingRanges.flat()
    return {records: this.stats.messages, appendFailed: this.failedAppends > 0, notWritten: mergeRanges([...this.notWritten, ...pending]), maybeWritten: mergeRanges(this.maybeWritten)}
  }

  /**
   * The sealed batch compressed with the producer's codec. Incompressible records can come out a
   * few bytes larger (the codec's framing); a batch that this would push past max.message.bytes is
   * appended uncompressed instead, as the codec gains nothing on it and the records themselves fit.
   */
  private compressed(sealed: Buffer): Buffer {
    if (this.codec === CODEC_NONE) return sealed
    const batch = compressBatch(sealed, this.codec)
    return batch.length <= this.maxMessageBytes ? batch : sealed
  }
}

/** Pushes one by one: a keyed batch may hold more ranges than a spread call takes arguments. */
function appendAll(target: number[], source: number[]): void {
  for (const n of source) target.push(n)
}

/** Flat [start, end) pairs to sorted, merged ranges. */
function mergeRanges(flat: number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  for (let i = 0; i < flat.length; i += 2) ranges.push([flat[i], flat[i + 1]])
  ranges.sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const range of ranges) {
    const last = merged[merged.length - 1]
    if (last !== undefined && range[0] <= last[1]) last[1] = Math.max(last[1], range[1])
    else merged.push(range)
  }
  return merged
}

function toBytes(value: Buffer | string | null): Buffer | null {
  if (value === null) return null
  return typeof value === 'string' ? Buffer.from(value) : value
}
