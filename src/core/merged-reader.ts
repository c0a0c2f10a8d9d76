/**
 * Reads several partitions (of one or many topics) as one stream ordered by record timestamp, the
 * way lnav interleaves log files: a k-way merge over the partitions' read chunks. A record is
 * emitted once every partition that could still hold an earlier one has a record waiting, or is at
 * its end right now; so in --follow mode a quiet partition never holds the others back.
 *
 * Each partition keeps a RecordCursor on its next record inside its current chunk, so the merge
 * copies nothing: the visitor gets that cursor (valid until it returns, like LogReader's), and a
 * partition reads its next chunk (reusing the chunk's buffer) only once every record of the last
 * one was emitted and the round's `afterRound` has run.
 */
import {BATCH, LOG_OVERHEAD, RecordCursor, readInt64} from './format/record-batch.js'
import type {RecordView} from './format/record-view.js'
import type {Topic} from './log.js'
import {PartitionAssignment, ReadPlan, resolveReadRange} from './consumer.js'
import {ChangeWaiter} from './partition/follow.js'
import type {PartitionCursor} from './partition/partition-reader.js'
import {CommittedGate} from './txn/committed-gate.js'

interface Source {
  topic: Topic
  partition: number
  cursor: PartitionCursor
  /** Next offset to emit. */
  position: number
  end: number | undefined
  exhausted: boolean
  /** The record waiting to be emitted, when `waiting`. */
  record: RecordCursor
  waiting: boolean
  /** The current chunk: batches from `batchAt` to `chunkEnd` not reached yet; `inBatch`: `record` is inside one. */
  chunk: Buffer | undefined
  batchAt: number
  chunkEnd: number
  inBatch: boolean
  /** read_committed (see CommittedGate); `held`: its next batch is not stable yet. */
  gate: CommittedGate | undefined
  held: boolean
}

export type MergedVisitor = (topic: Topic, partition: number, record: RecordView) => boolean | void

export class MergedLogReader {
  private readonly sources: Source[] = []
  private readonly waiter: ChangeWaiter | undefined
  private stopped = false

  constructor(assignments: PartitionAssignment[], private readonly plan: ReadPlan) {
    for (const {topic, partition} of assignments) {
      const {position, end} = resolveReadRange(topic, partition, plan)
      const cursor = topic.reader(partition).openCursor(position, {checkCrcs: plan.checkCrcs, skipCorrupt: plan.onCorrupt})
      const gate = plan.isolation === 'read_committed' ? new CommittedGate(topic, partition) : undefined
      gate?.refresh(position)
      this.sources.push({
        topic, partition, cursor, position, end, exhausted: end !== undefined && position >= end,
        record: new RecordCursor(), waiting: false, chunk: undefined, batchAt: 0, chunkEnd: 0, inBatch: false, gate, held: false,
      })
    }
    if (plan.follow) this.waiter = new ChangeWaiter(assignments.map(({topic, partition}) => topic.partitionDir(partition)))
  }

  /** Start (before run(); the next offset to read after it) and end offsets per partition. */
  positions(): Array<{topic: string; partition: number; position: number; end: number | undefined}> {
    return this.sources.map((s) => ({topic: s.topic.name, partition: s.partition, position: s.position, end: s.end}))
  }

  stop(): void {
    this.stopped = true
    this.waiter?.signal()
  }

  async run(visit: MergedVisitor, afterRound: () => Promise<void> | void): Promise<void> {
    try {
      while (!this.stopped) {
        // Give every source without a waiting record its next chunk, if there is one now; note
        // which sources are idle at their end.
        const idle = new Set<Source>()
        for (const source of this.sources) {
          if (source.exhausted || source.waiting) continue
          const chunk = source.cursor.read()
          if (chunk === undefined) {
            idle.add(source)
            continue
          }
          source.chunk = chunk.buffer
          source.batchAt = chunk.start
          source.chunkEnd = chunk.end
          source.inBatch = false
          source.held = false
          advance(source)
          if (!source.waiting) finishChunk(source)
          // Waiting for a transaction to be decided is being at its end for now.
          if (source.held) idle.add(source)
        }
        // Emit in timestamp order while no pending source could still hold an earlier record.
        let emitted = 0
        for (;;) {
          let best: Source | undefined
          let blocked = false
          for (const source of this.sources) {
            if (source.waiting) {
              if (best === undefined || source.record.timestamp < best.record.timestamp) best = source
            } else if (!source.exhausted && !idle.has(source)) {
              blocked = true
            }
          }
          if (best === undefined || blocked) break
          emitted++
          best.position = best.record.offset + 1
          if (visit(best.topic, best.partition, best.record) === false) {
            this.stopped = true
            break
          }
          advance(best)
          if (!best.waiting) {
            // Its chunk is used up: it needs the next one before anything else can be ordered.
            finishChunk(best)
            break
          }
        }
        await afterRound()
        if (this.sources.every((s) => s.exhausted)) break
        if (emitted === 0 && idle.size > 0) {
          if (this.waiter === undefined) {
            if (this.sources.every((s) => s.exhausted || (idle.has(s) && !s.waiting))) break
          } else {
            await this.waiter.wait()
          }
        }
      }
    } finally {
      this.waiter?.close()
      for (const source of this.sources) source.cursor.close()
    }
  }
}

/** Moves the source's record to the next one to emit in its chunk (`waiting`), if any is left. */
function advance(source: Source): void {
  const record = source.record
  for (;;) {
    if (source.inBatch && record.next()) {
      const offset = record.offset
      if (offset < source.position) continue
      if (source.end !== undefined && offset >= source.end) break
      source.waiting = true
      return
    }
    if (source.batchAt >= source.chunkEnd) break
    const chunk = source.chunk!
    const verdict = source.gate?.check(chunk, source.batchAt, source.position)
    if (verdict === 'wait') {
      source.cursor.seek(readInt64(chunk, source.batchAt + BATCH.baseOffset))
      source.held = true
      break
    }
    if (verdict === 'skip') {
      source.batchAt += chunk.readInt32BE(source.batchAt + BATCH.batchLength) + LOG_OVERHEAD
      continue
    }
    record.reset(chunk, source.batchAt)
    // The next batch's place is taken now: output written in place may overwrite this one's bytes.
    source.batchAt += chunk.readInt32BE(source.batchAt + BATCH.batchLength) + LOG_OVERHEAD
    source.inBatch = true
  }
  source.waiting = false
  source.inBatch = false
  source.batchAt = source.chunkEnd
}

/** After a chunk's last record: the position moves past what the chunk covered. */
function finishChunk(source: Source): void {
  source.position = Math.max(source.position, Math.min(source.cursor.nextOffset, source.end ?? Number.POSITIVE_INFINITY))
  if (source.end !== undefined && source.position >= source.end) source.exhausted = true
}
