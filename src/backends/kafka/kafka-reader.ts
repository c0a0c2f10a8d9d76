/**
 * Reading chosen partitions from chosen offsets on Kafka, with no consumer group (what kcat -C
 * does): positions are resolved from ListOffsets (earliest, latest, by timestamp) with the same
 * grammar as on a log directory, then each partition leader is fetched from in its own loop, long
 * polling when following. The record batches of each Fetch answer are read in place by src/core's
 * RecordCursor, as a log directory's segment bytes are (no decoding of every record into an
 * object first). Per-partition order is kept; a bounded read ends at the end offsets captured
 * when it began. A group member reads its assignment with the same loop (kafka-group-reader.ts).
 */
import {Fetch} from '../../protocol/apis/index.js'
import {StromError} from '../../core/errors.js'
import {crc32c} from '../../core/format/crc32c.js'
import {BATCH, BATCH_HEADER_SIZE, MAGIC_V2, RecordCursor, batchSizeAt, readBatchHeader} from '../../core/format/record-batch.js'
import {AbortedFilter} from '../../core/txn/isolation.js'
import {PartitionBounds, PositionSpec, RangeSpec, resolvePosition} from '../../core/offset-spec.js'
import {type KafkaAdmin, LATEST} from '../../client/admin.js'
import type {KafkaCluster} from '../../client/cluster.js'
import type {BrokerConnection} from '../../client/connection.js'
import {KafkaProtocolError, isRetriable} from '../../client/kafka-error.js'
import type {ReadOptions, RecordSource, RecordVisitor} from '../backend.js'

const OFFSET_OUT_OF_RANGE = 1
/** UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_ID. */
const LEADER_MOVED = new Set([3, 5, 6, 74, 75, 100])
/** From Fetch v13 topics are named by id; strom asks by name, which every broker to 4.x accepts up to v12. */
const FETCH_VERSION_CAP = 12

interface PartitionState {
  topic: string
  partition: number
  position: number
  end: number | undefined
  done: boolean
  /** Empty answers in a row while the high watermark said there was more (see MAX_EMPTY_FETCHES). */
  emptyFetches: number
}

export interface ResolvedPartition {
  topic: string
  partition: number
  position: number
  end: number | undefined
}

const FOLLOW_WAIT_MS = 500
/** Empty answers below the high watermark before a bounded read gives a partition up (about 5 s). */
const MAX_EMPTY_FETCHES = 50
/** How long partitions may be without a reachable leader before a read gives up (a failover takes seconds). */
const LEADER_WAIT_MS = 120_000
const PARTITION_MAX_BYTES = 1024 * 1024
const FETCH_MAX_BYTES = 16 * 1024 * 1024

/** Bounds of every partition of `topic`, with the offsets for the range's timestamps fetched up front. */
export async function fetchBounds(admin: KafkaAdmin, topic: string, range: RangeSpec): Promise<Map<number, PartitionBounds>> {
  const offsets = await admin.topicOffsets(topic)
  const timestamps = [range.start, range.end].filter((p): p is Extract<PositionSpec, {kind: 'timestamp'}> => p?.kind === 'timestamp').map((p) => p.timestamp)
  const byTime = new Map<number, Map<number, number>>()
  for (const timestamp of timestamps) {
    const found = await admin.listOffsets(topic, timestamp)
    byTime.set(timestamp, new Map([...found].map(([partition, f]) => [partition, f.offset])))
  }
  const bounds = new Map<number, PartitionBounds>()
  for (const o of offsets) {
    const endOffset = o.high
    const logStartOffset = Math.min(o.low, endOffset)
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

/** The current end offset of each partition (a bounded group read stops there). */
export async function endOffsets(admin: KafkaAdmin, topic: string): Promise<Map<number, number>> {
  return new Map([...(await admin.listOffsets(topic, LATEST))].map(([partition, o]) => [partition, o.offset]))
}

export function resolveRange(bounds: PartitionBounds, range: RangeSpec, follow: boolean): {position: number; end: number | undefined} {
  const position = resolvePosition(range.start, bounds)
  let end: number | undefined
  if (range.end !== undefined) end = resolvePosition(range.end, bounds)
  else if (!follow) end = bounds.endOffset
  return {position, end}
}

/**
 * read_uncommitted (the default, what a log directory reader sees): every data batch, including
 * those of open and aborted transactions. read_committed: the broker answers only up to the last
 * stable offset, and the records of aborted transactions are left out (abortedTransactions).
 * Control batches (transaction markers) are never records, in either mode.
 */
export type IsolationLevel = 'read_uncommitted' | 'read_committed'

/** One aborted transaction in a Fetch answer: its producer's records from firstOffset on, up to its ABORT marker. */
export interface AbortedTransaction {
  producerId: number
  firstOffset: number
}

export interface KafkaReaderOptions extends Pick<ReadOptions, 'follow' | 'checkCrcs'> {
  isolation?: IsolationLevel
  /** Checked between fetches: true ends run() early (a group member that must rejoin). */
  pause?: () => boolean
  /** Call afterChunk after this many records (a group's --commit sync: after each one). */
  chunkRecords?: number
}

export class KafkaReader implements RecordSource {
  private readonly states: PartitionState[]
  private readonly resolved: ResolvedPartition[]
  private stopped = false
  /**
   * A leader loop found its leader gone or moved: every loop ends after its current fetch, so the
   * partitions are grouped by their new leaders (a loop that kept long-polling a live broker would
   * otherwise hold the regrouping back for ever).
   */
  private regroup = false
  /** Records arrived since the last leader change: the wait for leaders starts over. */
  private progressed = false
  private readonly record = new RecordCursor()

  constructor(
    private readonly cluster: KafkaCluster,
    partitions: ResolvedPartition[],
    private readonly options: KafkaReaderOptions,
    private readonly recover: (topic: string, partition: number) => Promise<number>,
    private readonly onWarning: (message: string) => void,
    private readonly translate: (error: unknown) => unknown,
    private readonly onClose: () => void = () => undefined,
  ) {
    this.states = partitions.map((p) => ({...p, done: p.end !== undefined && p.position >= p.end, emptyFetches: 0}))
    this.resolved = partitions.map((p) => ({...p}))
  }

  starts(): ResolvedPartition[] {
    return this.resolved
  }

  remaining(): number | undefined {
    if (this.options.follow) return undefined
    return this.states.reduce((sum, s) => sum + Math.max(0, (s.end ?? s.position) - s.position), 0)
  }

  /** Where each partition's next read starts ("topic:partition" → offset). */
  positions(): Map<string, number> {
    return new Map(this.states.map((s) => [`${s.topic}:${s.partition}`, s.position]))
  }

  /** Every partition reached its end (a bounded read). */
  finished(): boolean {
    return this.states.every((s) => s.done)
  }

  stop(): void {
    this.stopped = true
  }

  private halted(): boolean {
    return this.stopped || this.options.pause?.() === true
  }

  async run(visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<void> {
    try {
      // A group member with nothing assigned (more members than partitions) waits for the next rebalance.
      while (this.states.length === 0 && this.options.follow && !this.halted()) await new Promise((resolve) => setTimeout(resolve, 200))
      const topics = [...new Set(this.states.map((s) => s.topic))]
      if (topics.length > 0) await this.cluster.refresh(topics)
      // Leadership can be away for a while when a broker dies (its session must time out before a
      // new leader is elected): keep finding leaders until this long without a usable one.
      let unavailableSince: number | undefined
      while (!this.halted() && this.states.some((s) => !s.done)) {
        // Each leader in its own loop, so one broker's long poll never delays another's records. A
        // loop ends early when leadership moved or its broker went away; then metadata is refreshed
        // and the leaders found again.
        const byLeader = this.partitionsByLeader()
        this.regroup = false
        const moved = await Promise.all([...byLeader].map(async ([leader, states]) => {
          let moved = leader < 0
          if (!moved) {
            try {
              moved = await this.readFrom(await this.cluster.node(leader), states, visit, afterChunk)
            } catch (error) {
              if (!isRetriable(error)) throw error
              moved = true
            }
          }
          if (moved) this.regroup = true
          return moved
        }))
        if (!moved.includes(true)) break
        if (this.progressed) unavailableSince = undefined
        this.progressed = false
        unavailableSince ??= Date.now()
        if (Date.now() - unavailableSince > LEADER_WAIT_MS) throw new StromError('UNAVAILABLE', `no leader could be reached for some partitions of ${topics.join(', ')} for ${LEADER_WAIT_MS / 1000} s`, {hint: 'check the cluster: `strom topic describe TOPIC --bootstrap-server ...` shows leaders and in-sync replicas'})
        await new Promise((resolve) => setTimeout(resolve, 250))
        await this.cluster.refresh(topics).catch(() => undefined)
      }
    } catch (error) {
      throw this.translate(error)
    } finally {
      this.onClose()
    }
  }

  private partitionsByLeader(): Map<number, PartitionState[]> {
    const byLeader = new Map<number, PartitionState[]>()
    for (const state of this.states) {
      if (state.done) continue
      const leader = this.cluster.leader(state.topic, state.partition)
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), state])
    }
    return byLeader
  }

  /** Fetches until its partitions are done or stopped; true when a partition's leader moved. */
  private async readFrom(broker: BrokerConnection, states: PartitionState[], visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<boolean> {
    const version = broker.version(Fetch, FETCH_VERSION_CAP)
    while (!this.halted() && !this.regroup) {
      const open = states.filter((s) => !s.done)
      if (open.length === 0) return false
      const byTopic = new Map<string, PartitionState[]>()
      for (const s of open) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s])
      // A bounded read has data waiting below its end: no need to wait for more.
      const maxWaitMs = this.options.follow ? FOLLOW_WAIT_MS : 100
      const response = await broker.request(Fetch, {
        replicaId: -1,
        maxWaitMs,
        minBytes: 1,
        maxBytes: FETCH_MAX_BYTES,
        isolationLevel: this.options.isolation === 'read_committed' ? 1 : 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic].map(([topic, list]) => ({topic, partitions: list.map((s) => ({partition: s.partition, fetchOffset: s.position, partitionMaxBytes: PARTITION_MAX_BYTES}))})),
        forgottenTopicsData: [],
        rackId: '',
      }, {version, timeoutMs: maxWaitMs + 30_000})
      if ((response.errorCode as number | undefined ?? 0) !== 0) throw new KafkaProtocolError(response.errorCode as number, `fetching from ${broker.address}`)
      let leaderMoved = false
      type FetchedPartition = {partitionIndex: number; errorCode: number; highWatermark: number; lastStableOffset: number; abortedTransactions: AbortedTransaction[] | null; records: Buffer | null}
      for (const topicResponse of response.responses as Array<{topic: string; partitions: FetchedPartition[]}>) {
        for (const fetched of topicResponse.partitions) {
          const state = open.find((s) => s.topic === topicResponse.topic && s.partition === fetched.partitionIndex)
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
          if (fetched.errorCode !== 0) throw new KafkaProtocolError(fetched.errorCode, `fetching ${state.topic}/${state.partition}`)
          this.progressed = true
          const records = fetched.records ?? Buffer.alloc(0)
          const aborted = this.options.isolation === 'read_committed' ? new AbortedFilter(fetched.abortedTransactions ?? []) : undefined
          const emitted = await this.emit(state, records, visit, afterChunk, aborted)
          if (emitted === 'stop') {
            this.stopped = true
            return false
          }
          // A bounded read that gets nothing is finished only when the partition really has nothing
          // more below its end (records removed since the end was read): an empty answer while the
          // high watermark is past the position (a loaded broker's long poll running out) is asked again.
          if (!this.options.follow && emitted === 0 && records.length === 0) {
            // read_committed sees up to the last stable offset only (an open transaction holds it back).
            const readable = this.options.isolation === 'read_committed' ? fetched.lastStableOffset : fetched.highWatermark
            state.emptyFetches = readable > state.position ? state.emptyFetches + 1 : MAX_EMPTY_FETCHES
            if (state.emptyFetches >= MAX_EMPTY_FETCHES) state.done = true
          } else if (emitted > 0) {
            state.emptyFetches = 0
          }
        }
        await afterChunk()
      }
      if (leaderMoved) return true
    }
    return false
  }

  /** Emits the whole batches in `records` from the partition's position on; the count, or 'stop'. */
  private async emit(state: PartitionState, records: Buffer, visit: RecordVisitor, afterChunk: () => Promise<void> | void, aborted?: AbortedFilter): Promise<number | 'stop'> {
    const chunk = this.options.chunkRecords
    // Leaders are read concurrently: a cursor that lives across an await (chunking) is this call's own.
    const record = chunk === undefined ? this.record : new RecordCursor()
    let emitted = 0
    let at = 0
    while (at + BATCH_HEADER_SIZE <= records.length) {
      const size = batchSizeAt(records, at)
      if (at + size > records.length) break
      const header = readBatchHeader(records, at)
      if (header.magic !== MAGIC_V2) throw new StromError('UNSUPPORTED', `${state.topic}/${state.partition} holds message format v${header.magic} at offset ${header.baseOffset}; strom reads format v2 (Kafka 0.11 and later)`)
      if (this.options.checkCrcs && crc32c(records, at + BATCH.attributes, at + size) !== header.crc) {
        throw new StromError('CORRUPT_SEGMENT', `${state.topic}/${state.partition}: the batch at offset ${header.baseOffset} sent by the broker fails its CRC-32C check`, {hint: 'retry; --no-check-crcs reads it anyway'})
      }
      const lastOffset = header.baseOffset + header.lastOffsetDelta
      if (aborted !== undefined && aborted.skip(records, at)) {
        at += size
        state.position = Math.max(state.position, lastOffset + 1)
        continue
      }
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
        if (chunk !== undefined && emitted % chunk === 0) {
          // The cursor's place survives the await: it reads from `records`, which nothing else touches.
          await afterChunk()
          if (this.halted()) return emitted
        }
      }
      // Control batches and compacted-away offsets: move past the whole batch.
      state.position = Math.max(state.position, lastOffset + 1)
    }
    if (state.end !== undefined && state.position >= state.end) state.done = true
    return emitted
  }
}

