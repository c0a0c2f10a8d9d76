/**
 * Reading a set of partitions from start positions to end positions (or forever, following).
 * "The end" of a bounded read is each partition's end offset captured when the read starts, so a
 * busy producer can never keep a bounded consumer running. Per-partition order is kept; partitions
 * are visited in turn, one chunk of whole batches at a time.
 */
import {BATCH, LOG_OVERHEAD, RecordCursor, readInt64} from './format/record-batch.js'
import {IsolationLevel, TransactionsView} from './txn/isolation.js'
import {CommittedGate} from './txn/committed-gate.js'
import type {Topic} from './log.js'
import {PartitionBounds, RangeSpec, resolvePosition} from './offset-spec.js'
import {ChangeWaiter} from './partition/follow.js'
import type {PartitionCursor, SkippedCorruption} from './partition/partition-reader.js'

export interface PartitionAssignment {
  topic: Topic
  partition: number
  /** Start here instead of at the plan's range start (a group member's committed offset). */
  position?: number
}

export interface ReadPlan {
  range: RangeSpec
  follow: boolean
  checkCrcs?: boolean
  /** Step over damaged batches, reporting each here, instead of failing with CORRUPT_SEGMENT. */
  onCorrupt?: (skipped: SkippedCorruption) => void
  /** read_committed: only committed transactional data, up to the last stable offset (Kafka's isolation.level). */
  isolation?: IsolationLevel
}

interface PartitionState {
  topic: Topic
  partition: number
  cursor: PartitionCursor
  /** Next offset to emit. */
  position: number
  /** Exclusive end, or undefined when following without an end. */
  end: number | undefined
  done: boolean
  /** read_committed: holds back unstable batches, skips aborted transactions' batches and markers. */
  gate: CommittedGate | undefined
}

/** Called for each record; return false to stop reading. */
export type RecordVisitor = (topic: Topic, partition: number, record: RecordCursor) => boolean | void

export function partitionBounds(topic: Topic, partition: number, isolation: IsolationLevel = 'read_uncommitted'): PartitionBounds {
  const reader = topic.reader(partition)
  let endOffset = reader.endOffset()
  // A read_committed reader's "end" is the last stable offset, as Kafka's ListOffsets answers it.
  if (isolation === 'read_committed') endOffset = new TransactionsView(topic.log.dir).lastStableOffset(topic.name, partition, endOffset)
  return {
    logStartOffset: Math.min(reader.logStartOffset(), endOffset),
    endOffset,
    offsetForTimestamp: (timestamp) => reader.offsetForTimestamp(timestamp),
  }
}

/**
 * Where a read of one partition starts, and where it ends: the range's end, else (bounded read)
 * the end offset right now, else (following) nowhere.
 */
export function resolveReadRange(topic: Topic, partition: number, plan: ReadPlan): {position: number; end: number | undefined} {
  const bounds = partitionBounds(topic, partition, plan.isolation)
  const position = resolvePosition(plan.range.start, bounds)
  let end: number | undefined
  if (plan.range.end !== undefined) end = resolvePosition(plan.range.end, bounds)
  else if (!plan.follow) end = bounds.endOffset
  return {position, end}
}

export class LogReader {
  private readonly states: PartitionState[] = []
  private readonly waiter: ChangeWaiter | undefined
  private stopped = false
  private readonly record = new RecordCursor()

  constructor(assignments: PartitionAssignment[], private readonly plan: ReadPlan) {
    const committedOnly = plan.isolation === 'read_committed'
    for (const {topic, partition, position: start} of assignments) {
      const {position, end} = start !== undefined ? {position: start, end: undefined} : resolveReadRange(topic, partition, plan)
      const cursor = topic.reader(partition).openCursor(position, {checkCrcs: plan.checkCrcs, skipCorrupt: plan.onCorrupt})
      const gate = committedOnly ? new CommittedGate(topic, partition) : undefined
      gate?.refresh(position)
      this.states.push({topic, partition, cursor, position, end, done: end !== undefined && position >= end, gate})
    }
    if (plan.follow) this.waiter = new ChangeWaiter(assignments.map(({topic, partition}) => topic.partitionDir(partition)))
  }

  /** Start (before run(); the next offset to read after it) and end offsets per partition. */
  positions(): Array<{topic: string; partition: number; position: number; end: number | undefined}> {
    return this.states.map((s) => ({topic: s.topic.name, partition: s.partition, position: s.position, end: s.end}))
  }

  stop(): void {
    this.stopped = true
    this.waiter?.signal()
  }

  /**
   * Visits records until every partition reached its end (or forever when following), the visitor
   * returns false, or stop() is called. `afterChunk` runs after each chunk of batches, which is
   * where the caller flushes output and waits for a slow stdout.
   */
  async run(visit: RecordVisitor, afterChunk: () => Promise<void> | void, onIdle?: () => Promise<void> | void): Promise<void> {
    const record = this.record
    try {
      while (!this.stopped) {
        let progressed = false
        let open = 0
        for (const state of this.states) {
          if (state.done || this.stopped) continue
          open++
          const chunk = state.cursor.read()
          if (chunk === undefined) continue
          let at = chunk.start
          let blocked = false
          while (at < chunk.end && !state.done) {
            if (state.gate !== undefined) {
              const verdict = state.gate.check(chunk.buffer, at, state.position)
              if (verdict === 'wait') {
                // Not stable yet: come back to this batch once its transactions are decided.
                state.cursor.seek(readInt64(chunk.buffer, at + BATCH.baseOffset))
                blocked = true
                break
              }
              if (verdict === 'skip') {
                // An aborted transaction's batch or a marker: the position moves past it, nothing is visited.
                at += chunk.buffer.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD
                continue
              }
            }
            record.reset(chunk.buffer, at)
            at += chunk.buffer.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD
            while (record.next()) {
              const offset = record.offset
              if (offset < state.position) continue
              if (state.end !== undefined && offset >= state.end) {
                state.done = true
                break
              }
              state.position = offset + 1
              if (visit(state.topic, state.partition, record) === false) {
                this.stopped = true
                state.done = true
                break
              }
            }
          }
          if (!blocked || at > chunk.start) progressed = true
          if (this.stopped) break
          state.position = Math.max(state.position, state.cursor.nextOffset)
          if (state.end !== undefined && state.position >= state.end) state.done = true
          // A finished partition gives its open file back now, not when the whole read ends.
          if (state.done) state.cursor.close()
          await afterChunk()
        }
        if (open === 0) break
        if (!progressed) {
          if (this.waiter === undefined) {
            // Bounded read with nothing readable left (e.g. a torn tail below the captured end): finish.
            break
          }
          await onIdle?.()
          if (this.stopped) break
          await this.waiter.wait()
        }
      }
    } finally {
      this.waiter?.close()
      for (const state of this.states) state.cursor.close()
    }
  }
}
