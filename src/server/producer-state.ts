/**
 * Idempotent producers (InitProducerId, KIP-98), as a Kafka broker keeps them: producer ids that
 * no other serve process on the directory will hand out (random 46-bit numbers, collisions
 * negligible), and, per partition and producer, the epoch and the last five batches appended
 * (their sequence ranges and offsets). With them a produce batch is checked as Kafka checks it
 * (ProducerStateManager):
 *
 * - an older epoch than the producer's: INVALID_PRODUCER_EPOCH;
 * - the same sequence range as one of the five: a retry whose answer was lost, acknowledged with
 *   the offset it was written at and not appended again (Kafka's DUPLICATE_SEQUENCE_NUMBER case,
 *   answered as success);
 * - same epoch, first sequence not last + 1 (wrapping at 2^31-1), or a new epoch not starting at
 *   0: OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - a producer the partition has no record of (new, or its batches gone by retention): any
 *   sequence, as Kafka accepts it.
 *
 * The state is not a file of its own: every RecordBatch v2 header holds producer id, epoch and base
 * sequence, so it is rebuilt from the log. When this process first produces to a partition (after
 * a restart too) it reads the batches of the partition's last 64 MiB (REPLAY_TAIL_BYTES: a retried
 * batch is one of the last few its producer sent, so it is there; a producer whose batches are all
 * older counts as new, as it would to Kafka once retention removed them); each check runs under the
 * partition's write lock and first reads the batches other processes (another `strom serve` on the
 * directory, `strom produce`) appended since.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import type {Topic} from '../core/log.js'
import {segmentPaths} from '../core/segment/segment.js'
import {scanBatches} from '../core/segment/batch-scan.js'
import {OffsetIndex} from '../core/segment/offset-index.js'
import {ERR} from './protocol/error-codes.js'

/** What a batch header says about its producer; producerId -1 or baseSequence -1: not idempotent. */
export interface ProducerBatch {
  producerId: number
  producerEpoch: number
  baseSequence: number
  /** Records in the batch minus one (the header's last offset delta). */
  lastOffsetDelta: number
}

/** Byte positions in a RecordBatch v2 (record-batch.ts documents the layout). */
const LAST_OFFSET_DELTA_AT = 23
const PRODUCER_ID_AT = 43
const PRODUCER_EPOCH_AT = 51
const BASE_SEQUENCE_AT = 53

export function producerBatchAt(buffer: Buffer, start: number): ProducerBatch {
  return {
    producerId: buffer.readInt32BE(start + PRODUCER_ID_AT) * 0x1_0000_0000 + buffer.readUInt32BE(start + PRODUCER_ID_AT + 4),
    producerEpoch: buffer.readInt16BE(start + PRODUCER_EPOCH_AT),
    baseSequence: buffer.readInt32BE(start + BASE_SEQUENCE_AT),
    lastOffsetDelta: buffer.readInt32BE(start + LAST_OFFSET_DELTA_AT),
  }
}

const INT32_MAX = 0x7fff_ffff
/** Batches remembered per producer and partition: Kafka's (and the clients' max.in.flight limit for idempotence). */
export const BATCHES_REMEMBERED = 5
/** Producers remembered per partition, the least recently written forgotten first (they then count as new). */
const MAX_PRODUCERS_PER_PARTITION = 10_000
/** How much of a partition's end is read back when the server first produces to it. */
export const REPLAY_TAIL_BYTES = 64 * 1024 * 1024

function lastSequence(batch: ProducerBatch): number {
  const last = batch.baseSequence + batch.lastOffsetDelta
  return last > INT32_MAX ? last - INT32_MAX - 1 : last
}

function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === INT32_MAX)
}

interface Remembered {
  firstSequence: number
  lastSequence: number
  baseOffset: number
}

interface ProducerEntry {
  epoch: number
  batches: Remembered[]
}

export type ProduceCheck = {action: 'append'} | {action: 'duplicate'; baseOffset: number} | {action: 'refuse'; errorCode: number; message: string}

/** One partition's producers. */
export class PartitionProducers {
  private readonly producers = new Map<number, ProducerEntry>()
  /** Offsets below this have been replayed or recorded. */
  knownEnd = 0

  check(batch: ProducerBatch): ProduceCheck {
    if (batch.producerId < 0 || batch.baseSequence < 0) return {action: 'append'}
    const entry = this.producers.get(batch.producerId)
    if (entry === undefined) return {action: 'append'}
    const first = batch.baseSequence
    if (batch.producerEpoch < entry.epoch) {
      return {action: 'refuse', errorCode: ERR.INVALID_PRODUCER_EPOCH, message: `producer ${batch.producerId} epoch ${batch.producerEpoch} is older than its current epoch ${entry.epoch}`}
    }
    if (batch.producerEpoch > entry.epoch) {
      if (first === 0) return {action: 'append'}
      return {action: 'refuse', errorCode: ERR.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${batch.producerId} new epoch ${batch.producerEpoch} starts at sequence ${first}, not 0`}
    }
    const last = lastSequence(batch)
    const duplicate = entry.batches.find((b) => b.firstSequence === first && b.lastSequence === last)
    if (duplicate !== undefined) return {action: 'duplicate', baseOffset: duplicate.baseOffset}
    const previous = entry.batches[entry.batches.length - 1]
    if (previous !== undefined && !inSequence(previous.lastSequence, first)) {
      return {action: 'refuse', errorCode: ERR.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${batch.producerId} sent sequence ${first} after ${previous.lastSequence}`}
    }
    return {action: 'append'}
  }

  /** A batch now in the log at `baseOffset` (appended here, or read back from the log). */
  record(batch: ProducerBatch, baseOffset: number): void {
    this.knownEnd = Math.max(this.knownEnd, baseOffset + batch.lastOffsetDelta + 1)
    if (batch.producerId < 0 || batch.baseSequence < 0) return
    let entry = this.producers.get(batch.producerId)
    if (entry !== undefined && batch.producerEpoch < entry.epoch) return
    this.producers.delete(batch.producerId)
    if (entry === undefined || batch.producerEpoch > entry.epoch) entry = {epoch: batch.producerEpoch, batches: []}
    entry.batches.push({firstSequence: batch.baseSequence, lastSequence: lastSequence(batch), baseOffset})
    if (entry.batches.length > BATCHES_REMEMBERED) entry.batches.shift()
    if (this.producers.size >= MAX_PRODUCERS_PER_PARTITION) this.producers.delete(this.producers.keys().next().value as number)
    this.producers.set(batch.producerId, entry)
  }
}

export class ProducerState {
  /** Keyed by the Topic object: a topic reopened (recreated, altered) gets state rebuilt from its log. */
  private readonly topics = new WeakMap<Topic, Map<number, PartitionProducers>>()

  newProducerId(): number {
    return crypto.randomInt(1, 2 ** 46)
  }

  /**
   * The partition's producers, read back from the log the first time this process produces to it.
   * Batches other processes append later are read by `catchUp`, which the produce path calls under
   * the partition's write lock, where the end offset is known without looking at the files.
   */
  partition(topic: Topic, partition: number): PartitionProducers {
    let partitions = this.topics.get(topic)
    if (partitions === undefined) this.topics.set(topic, (partitions = new Map()))
    let producers = partitions.get(partition)
    if (producers === undefined) {
      producers = readBack(topic, partition)
      partitions.set(partition, producers)
    }
    return producers
  }

  /**
   * Caller holds the partition's write lock and `endOffset` is its log end: the producers as of that
   * end. Batches appended since `knownEnd` (by another process) are read from their headers; a log
   * that ends before `knownEnd` (a torn tail cut by recovery, `log repair`) may have lost batches
   * the state remembers, so the state is read back anew.
   */
  catchUp(topic: Topic, partition: number, producers: PartitionProducers, endOffset: number): PartitionProducers {
    if (endOffset === producers.knownEnd) return producers
    if (endOffset < producers.knownEnd) {
      const fresh = readBack(topic, partition)
      this.topics.get(topic)?.set(partition, fresh)
      return fresh
    }
    const from = producers.knownEnd
    const dir = topic.partitionDir(partition)
    const bases = topic.reader(partition).segmentBases().filter((base, i, all) => i === all.length - 1 || all[i + 1] > from)
    replay(dir, bases.map((base) => ({base, position: OffsetIndex.read(segmentPaths(dir, base).index, base)?.positionFor(from) ?? 0})), from, producers)
    // Under the lock every batch below the end is complete, and all of them were read.
    producers.knownEnd = endOffset
    return producers
  }
}

/** A partition's producers from the batches of its last REPLAY_TAIL_BYTES. */
function readBack(topic: Topic, partition: number): PartitionProducers {
  const producers = new PartitionProducers()
  const starts = tailStarts(topic.partitionDir(partition), topic.reader(partition).segmentBases())
  producers.knownEnd = starts[0]?.base ?? 0
  replay(topic.partitionDir(partition), starts, 0, producers)
  return producers
}

/** Where to start reading so that about the last REPLAY_TAIL_BYTES are read: segments and positions, oldest first. */
function tailStarts(partitionDir: string, bases: number[]): Array<{base: number; position: number}> {
  const starts: Array<{base: number; position: number}> = []
  let budget = REPLAY_TAIL_BYTES
  for (let i = bases.length - 1; i >= 0 && budget > 0; i--) {
    const paths = segmentPaths(partitionDir, bases[i])
    const size = fs.statSync(paths.log, {throwIfNoEntry: false})?.size ?? 0
    let position = 0
    if (size > budget) {
      // An indexed position is a batch start: the first one inside the budget (or the last one there is).
      const index = OffsetIndex.read(paths.index, bases[i])
      const inside = index?.positions.find((p) => p >= size - budget)
      position = inside ?? index?.last()?.position ?? 0
    }
    starts.unshift({base: bases[i], position})
    budget -= size - position
  }
  return starts
}

/** Records every batch at or above `fromOffset` from these segment positions on, reading headers only. */
function replay(partitionDir: string, starts: Array<{base: number; position: number}>, fromOffset: number, producers: PartitionProducers): void {
  for (const {base, position} of starts) {
    let fd: number
    try {
      fd = fs.openSync(segmentPaths(partitionDir, base).log, 'r')
    } catch {
      continue // removed by retention meanwhile
    }
    try {
      const size = fs.fstatSync(fd).size
      const visit = {
        verifyCrc: false,
        onBatch(batch: {position: number; baseOffset: number; lastOffset: number}, window: Buffer, windowPosition: number) {
          if (batch.lastOffset >= fromOffset) producers.record(producerBatchAt(window, batch.position - windowPosition), batch.baseOffset)
        },
      }
      const scan = scanBatches(fd, position, size, visit)
      // An index entry that does not point at a batch is stale: read the segment from its start.
      if (position > 0 && scan.stop === 'corrupt' && scan.validEnd === position) scanBatches(fd, 0, size, visit)
    } finally {
      fs.closeSync(fd)
    }
  }
}
