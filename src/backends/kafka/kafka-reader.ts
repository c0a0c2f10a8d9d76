/**
 * Reading chosen partitions from chosen offsets on Kafka, with no consumer group (what kcat -C
 * does): positions are resolved from ListOffsets (earliest, latest, by timestamp) with the same
 * grammar as on a log directory, then each partition leader is fetched from in its own loop, long
 * polling when following. The fetched record batches are read in place, as segment bytes are
 * (fetch-request.ts). Per-partition order is kept; a bounded read ends at the end offsets captured
 * when it began.
 */
import {createRequire} from 'node:module'
import type {Admin} from 'kafkajs'
import {StromError} from '../../core/errors.js'
import {crc32c} from '../../core/format/crc32c.js'
import {BATCH_HEADER_SIZE, MAGIC_V2, RecordCursor, batchSizeAt, readBatchHeader} from '../../core/format/record-batch.js'
import {PartitionBounds, PositionSpec, RangeSpec, resolvePosition} from '../../core/offset-spec.js'
import type {ReadOptions, RecordSource, RecordVisitor} from '../backend.js'
import type {InternalBroker, InternalCluster} from './client.js'
import {encodeFetchBody, fetchRequest} from './fetch-request.js'
import {isRetriableSendError} from './kafka-sink.js'

const require = createRequire(import.meta.url)
const {createErrorFromCode} = require('kafkajs/src/protocol/error') as {createErrorFromCode(code: number): Error}

const OFFSET_OUT_OF_RANGE = 1
/** UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_FOR_PARTITION, FENCED/UNKNOWN_LEADER_EPOCH. */
const LEADER_MOVED = new Set([3, 5, 6, 74, 75])

interface PartitionState {
  topic: string
  partition: number
  position: number
  end: number | undefined
  done: boolean
}

export interface ResolvedPartition {
  topic: string
  partition: number
  position: number
  end: number | undefined
}

const FOLLOW_WAIT_MS = 500
/** How long partitions may be without a reachable leader before a read gives up (a failover takes seconds). */
const LEADER_WAIT_MS = 120_000
const PARTITION_MAX_BYTES = 1024 * 1024
const FETCH_MAX_BYTES = 16 * 1024 * 1024

/** Bounds of every partition of `topic`, with the offsets for the range's timestamps fetched up front. */
export async function fetchBounds(admin: Admin, topic: string, range: RangeSpec): Promise<Map<number, PartitionBounds>> {
  const offsets = await admin.fetchTopicOffsets(topic)
  const timestamps = [range.start, range.end].filter((p): p is Extract<PositionSpec, {kind: 'timestamp'}> => p?.kind === 'timestamp').map((p) => p.timestamp)
  const byTime = new Map<number, Map<number, number>>()
  for (const timestamp of timestamps) {
    const found = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp)
    byTime.set(timestamp, new Map(found.map((f) => [f.partition, Number(f.offset)])))
  }
  const bounds = new Map<number, PartitionBounds>()
  for (const o of offsets) {
    const endOffset = Number(o.high)
    const logStartOffset = Math.min(Number(o.low), endOffset)
    bounds.set(o.partition, {
      logStartOffset,
      endOffset,
      // -1: no record at or after that time, so the position is the end (as on a log directory).
      offsetForTimestamp: (timestamp) => {
        const offset = byTime.get(timestamp)?.get(o.partition) ?? -1
        return offset < 0 ? endOffset : offset
      },
    })
  }
  return bounds
}

export function resolveRange(bounds: PartitionBounds, range: RangeSpec, follow: boolean): {position: number; end: number | undefined} {
  const position = resolvePosition(range.start, bounds)
  let end: number | undefined
  if (range.end !== undefined) end = resolvePosition(range.end, bounds)
  else if (!follow) end = bounds.endOffset
  return {position, end}
}

export class KafkaReader implements RecordSource {
  private readonly states: PartitionState[]
  private stopped = false
  /** Records arrived since the last leader change: the wait for leaders starts over. */
  private progressed = false
  private readonly record = new RecordCursor()

  constructor(
    private readonly cluster: InternalCluster,
    partitions: ResolvedPartition[],
    private readonly options: Pick<ReadOptions, 'follow' | 'checkCrcs'>,
    private readonly recover: (topic: string, partition: number) => Promise<number>,
    private readonly onWarning: (message: string) => void,
    private readonly translate: (error: unknown) => unknown,
  ) {
    this.states = partitions.map((p) => ({...p, done: p.end !== undefined && p.position >= p.end}))
  }

  remaining(): number | undefined {
    if (this.options.follow) return undefined
    return this.states.reduce((sum, s) => sum + Math.max(0, (s.end ?? s.position) - s.position), 0)
  }

  stop(): void {
    this.stopped = true
  }

  async run(visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<void> {
    try {
      const topics = [...new Set(this.states.map((s) => s.topic))]
      await this.cluster.addMultipleTargetTopics(topics)
      // Leadership can be away for a while when a broker dies (its session must time out before a
      // new leader is elected): keep finding leaders until this long without a usable one.
      let unavailableSince: number | undefined
      while (!this.stopped && this.states.some((s) => !s.done)) {
        // Each leader in its own loop, so one broker's long poll never delays another's records. A
        // loop ends early when leadership moved or its broker went away; then metadata is refreshed
        // and the leaders found again.
        const byLeader = this.partitionsByLeader(topics)
        const moved = await Promise.all([...byLeader].map(async ([leader, states]) => {
          try {
            return await this.readFrom(await this.cluster.findBroker({nodeId: leader}), states, visit, afterChunk)
          } catch (error) {
            if (!isRetriableSendError(error)) throw error
            return true
          }
        }))
        if (!moved.includes(true)) break
        if (this.progressed) unavailableSince = undefined
        this.progressed = false
        unavailableSince ??= Date.now()
        if (Date.now() - unavailableSince > LEADER_WAIT_MS) throw new StromError('UNAVAILABLE', `no leader could be reached for some partitions of ${topics.join(', ')} for ${LEADER_WAIT_MS / 1000} s`, {hint: 'check the cluster: `strom topic describe TOPIC --bootstrap-server ...` shows leaders and in-sync replicas'})
        await new Promise((resolve) => setTimeout(resolve, 250))
        await this.cluster.refreshMetadata().catch(() => undefined)
      }
    } catch (error) {
      throw this.translate(error)
    } finally {
      await this.cluster.disconnect().catch(() => undefined)
    }
  }

  private partitionsByLeader(topics: string[]): Map<string, PartitionState[]> {
    const byLeader = new Map<string, PartitionState[]>()
    for (const topic of topics) {
      const mine = this.states.filter((s) => s.topic === topic && !s.done)
      const leaders = this.cluster.findLeaderForPartitions(topic, mine.map((s) => s.partition))
      for (const [leader, ids] of Object.entries(leaders)) {
        const list = byLeader.get(leader) ?? []
        for (const id of ids) list.push(mine.find((s) => s.partition === id)!)
        byLeader.set(leader, list)
      }
    }
    return byLeader
  }

  /** Fetches until its partitions are done or stopped; true when a partition's leader moved. */
  private async readFrom(broker: InternalBroker, states: PartitionState[], visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<boolean> {
    while (!this.stopped) {
      const open = states.filter((s) => !s.done)
      if (open.length === 0) return false
      const byTopic = new Map<string, PartitionState[]>()
      for (const s of open) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s])
      // A bounded read has data waiting below its end: no need to wait for more.
      const body = encodeFetchBody([...byTopic].map(([topic, list]) => ({topic, partitions: list.map((s) => ({partition: s.partition, fetchOffset: s.position, maxBytes: PARTITION_MAX_BYTES}))})), this.options.follow ? FOLLOW_WAIT_MS : 100, 1, FETCH_MAX_BYTES)
      const response = await broker.connectionPool.send(fetchRequest(body))
      let leaderMoved = false
      for (const topicResponse of response) {
        for (const fetched of topicResponse.partitions) {
          const state = open.find((s) => s.topic === topicResponse.topic && s.partition === fetched.partition)
          if (state === undefined) continue
          if (fetched.errorCode === OFFSET_OUT_OF_RANGE) {
            // Retention moved the log start past us (or the partition was truncated): go to the new start.
            const start = await this.recover(state.topic, state.partition)
            if (start > state.position) this.onWarning(`${state.topic}/${state.partition}: offset ${state.position} is no longer in the log; continuing at ${start}`)
            state.position = Math.max(start, state.position)
            if (state.end !== undefined && state.position >= state.end) state.done = true
            continue
          }
          if (LEADER_MOVED.has(fetched.errorCode)) {
            leaderMoved = true
            continue
          }
          if (fetched.errorCode !== 0) throw createErrorFromCode(fetched.errorCode)
          this.progressed = true
          const emitted = this.emit(state, fetched.records, visit)
          if (emitted === 'stop') {
            this.stopped = true
            return false
          }
          // A bounded read that gets nothing below its end (records removed since the end was read) is finished.
          if (!this.options.follow && emitted === 0 && fetched.records.length === 0) state.done = true
        }
        await afterChunk()
      }
      if (leaderMoved) return true
    }
    return false
  }

  /** Emits the whole batches in `records` from the partition's position on; the count, or 'stop'. */
  private emit(state: PartitionState, records: Buffer, visit: RecordVisitor): number | 'stop' {
    const record = this.record
    let emitted = 0
    let at = 0
    while (at + BATCH_HEADER_SIZE <= records.length) {
      const size = batchSizeAt(records, at)
      if (at + size > records.length) break
      const header = readBatchHeader(records, at)
      if (header.magic !== MAGIC_V2) throw new StromError('UNSUPPORTED', `${state.topic}/${state.partition} holds message format v${header.magic} at offset ${header.baseOffset}; strom reads format v2 (Kafka 0.11 and later)`)
      if (this.options.checkCrcs && crc32c(records, at + 21, at + size) !== header.crc) {
        throw new StromError('CORRUPT_SEGMENT', `${state.topic}/${state.partition}: the batch at offset ${header.baseOffset} sent by the broker fails its CRC-32C check`, {hint: 'retry; --no-check-crcs reads it anyway'})
      }
      const lastOffset = header.baseOffset + header.lastOffsetDelta
      record.reset(records, at)
      at += size
      while (record.next()) {
        const offset = record.offset
        if (offset < state.position) continue
        if (state.end !== undefined && offset >= state.end) {
          state.done = true
          return emitted
        }
        state.position = offset + 1
        emitted++
        if (visit(state.topic, state.partition, record) === false) return 'stop'
      }
      // Control batches and compacted-away offsets: move past the whole batch.
      state.position = Math.max(state.position, lastOffset + 1)
    }
    if (state.end !== undefined && state.position >= state.end) state.done = true
    return emitted
  }
}
