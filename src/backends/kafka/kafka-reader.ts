/**
 * Reading chosen partitions from chosen offsets on Kafka, with no consumer group (what kcat -C
 * does): positions are resolved from ListOffsets (earliest, latest, by timestamp) with the same
 * grammar as on a log directory, then each partition leader is fetched from in its own loop, long
 * polling when following. Per-partition order is kept; a bounded read ends at the end offsets
 * captured when it began.
 */
import type {Admin} from 'kafkajs'
import type {RecordView} from '../../core/format/record-view.js'
import {PartitionBounds, PositionSpec, RangeSpec, resolvePosition} from '../../core/offset-spec.js'
import type {ReadOptions, RecordSource, RecordVisitor} from '../backend.js'
import type {InternalBroker, InternalCluster, InternalMessage} from './client.js'
import {recordFromKafka} from './kafka-record.js'

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
  private wake: (() => void) | undefined

  constructor(
    private readonly cluster: InternalCluster,
    partitions: ResolvedPartition[],
    private readonly options: Pick<ReadOptions, 'follow'>,
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
    this.wake?.()
  }

  async run(visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<void> {
    try {
      const topics = [...new Set(this.states.map((s) => s.topic))]
      await this.cluster.addMultipleTargetTopics(topics)
      const byLeader = new Map<string, PartitionState[]>()
      for (const topic of topics) {
        const mine = this.states.filter((s) => s.topic === topic)
        const leaders = this.cluster.findLeaderForPartitions(topic, mine.map((s) => s.partition))
        for (const [leader, ids] of Object.entries(leaders)) {
          const list = byLeader.get(leader) ?? []
          for (const id of ids) list.push(mine.find((s) => s.partition === id)!)
          byLeader.set(leader, list)
        }
      }
      // Each leader in its own loop, so one broker's long poll never delays another's records.
      await Promise.all([...byLeader].map(async ([leader, states]) => this.readFrom(await this.cluster.findBroker({nodeId: leader}), states, visit, afterChunk)))
    } catch (error) {
      throw this.translate(error)
    } finally {
      await this.cluster.disconnect().catch(() => undefined)
    }
  }

  private async readFrom(broker: InternalBroker, states: PartitionState[], visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<void> {
    while (!this.stopped) {
      const open = states.filter((s) => !s.done)
      if (open.length === 0) return
      const byTopic = new Map<string, PartitionState[]>()
      for (const s of open) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s])
      let response
      try {
        response = await broker.fetch({
          replicaId: -1,
          isolationLevel: 0,
          // A bounded read has data waiting below its end: no need to wait for more.
          maxWaitTime: this.options.follow ? FOLLOW_WAIT_MS : 100,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES,
          topics: [...byTopic].map(([topic, list]) => ({topic, partitions: list.map((s) => ({partition: s.partition, fetchOffset: String(s.position), maxBytes: PARTITION_MAX_BYTES}))})),
        })
      } catch (error) {
        if ((error as {type?: string}).type === 'OFFSET_OUT_OF_RANGE') {
          // Retention moved the log start past us (or the partition was truncated): go to the new start.
          for (const s of open) {
            const start = await this.recover(s.topic, s.partition)
            if (start > s.position) {
              this.onWarning(`${s.topic}/${s.partition}: offset ${s.position} is no longer in the log; continuing at ${start}`)
              s.position = start
            }
          }
          continue
        }
        throw error
      }
      for (const topicResponse of response.responses) {
        for (const partitionResponse of topicResponse.partitions) {
          const state = open.find((s) => s.topic === topicResponse.topicName && s.partition === partitionResponse.partition)
          if (state === undefined) continue
          if (this.emit(state, partitionResponse.messages, visit) === false) {
            this.stopped = true
            return
          }
          // A bounded read that gets nothing below its end (records removed since the end was read) is finished.
          if (!this.options.follow && partitionResponse.messages.length === 0) state.done = true
        }
        await afterChunk()
      }
    }
  }

  private emit(state: PartitionState, messages: InternalMessage[], visit: RecordVisitor): boolean {
    for (const message of messages) {
      const offset = Number(message.offset)
      if (offset < state.position) continue
      if (state.end !== undefined && offset >= state.end) {
        state.done = true
        return true
      }
      state.position = offset + 1
      if (message.isControlRecord) continue
      const record: RecordView = recordFromKafka(message)
      if (visit(state.topic, state.partition, record) === false) return false
    }
    if (state.end !== undefined && state.position >= state.end) state.done = true
    return true
  }
}
