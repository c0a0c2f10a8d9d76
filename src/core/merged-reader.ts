/**
 * Reads several partitions (of one or many topics) as one stream ordered by record timestamp, the
 * way lnav interleaves log files: a k-way merge over per-partition queues. A record is emitted
 * once every partition that could still hold an earlier one has a queued record, or is at its end
 * right now; so in --follow mode a quiet partition never holds the others back.
 */
import {MaterializedRecord} from './format/record-view.js'
import {RecordCursor} from './format/record-batch.js'
import type {Topic} from './log.js'
import {PartitionAssignment, ReadPlan, resolveReadRange} from './consumer.js'
import {ChangeWaiter} from './partition/follow.js'
import type {PartitionCursor} from './partition/partition-reader.js'

interface Source {
  topic: Topic
  partition: number
  cursor: PartitionCursor
  position: number
  end: number | undefined
  queue: MaterializedRecord[]
  head: number
  exhausted: boolean
}

export type MergedVisitor = (topic: Topic, partition: number, record: MaterializedRecord) => boolean | void

export class MergedLogReader {
  private readonly sources: Source[] = []
  private readonly waiter: ChangeWaiter | undefined
  private stopped = false

  constructor(assignments: PartitionAssignment[], private readonly plan: ReadPlan) {
    for (const {topic, partition} of assignments) {
      const {position, end} = resolveReadRange(topic, partition, plan)
      const cursor = topic.reader(partition).openCursor(position, {checkCrcs: plan.checkCrcs, skipCorrupt: plan.onCorrupt})
      this.sources.push({topic, partition, cursor, position, end, queue: [], head: 0, exhausted: end !== undefined && position >= end})
    }
    if (plan.follow) this.waiter = new ChangeWaiter(assignments.map(({topic, partition}) => topic.partitionDir(partition)))
  }

  stop(): void {
    this.stopped = true
    this.waiter?.signal()
  }

  async run(visit: MergedVisitor, afterRound: () => Promise<void> | void): Promise<void> {
    const cursor = new RecordCursor()
    try {
      while (!this.stopped) {
        // Fill every empty queue that can be filled now; note which sources are idle at their end.
        const idle = new Set<Source>()
        for (const source of this.sources) {
          if (source.exhausted || source.head < source.queue.length) continue
          source.queue = []
          source.head = 0
          const chunk = source.cursor.read()
          if (chunk === undefined) {
            idle.add(source)
            continue
          }
          let at = chunk.start
          while (at < chunk.end) {
            cursor.reset(chunk.buffer, at)
            at += chunk.buffer.readInt32BE(at + 8) + 12
            while (cursor.next()) {
              if (cursor.offset < source.position) continue
              if (source.end !== undefined && cursor.offset >= source.end) break
              source.queue.push(new MaterializedRecord(cursor.toRecord()))
            }
          }
          if (source.queue.length > 0) source.position = source.queue[source.queue.length - 1].offset + 1
          source.position = Math.max(source.position, Math.min(source.cursor.nextOffset, source.end ?? Number.POSITIVE_INFINITY))
          if (source.queue.length === 0 && source.end !== undefined && source.position >= source.end) source.exhausted = true
        }
        // Emit in timestamp order while no pending source could still hold an earlier record.
        let emitted = 0
        for (;;) {
          let best: Source | undefined
          let blocked = false
          for (const source of this.sources) {
            if (source.head < source.queue.length) {
              if (best === undefined || source.queue[source.head].timestamp < best.queue[best.head].timestamp) best = source
            } else if (!source.exhausted && !idle.has(source)) {
              blocked = true
            }
          }
          if (best === undefined || blocked) break
          const record = best.queue[best.head++]
          emitted++
          if (visit(best.topic, best.partition, record) === false) {
            this.stopped = true
            break
          }
          if (best.head >= best.queue.length && best.end !== undefined && best.position >= best.end) best.exhausted = true
          if (best.head >= best.queue.length) break
        }
        await afterRound()
        if (this.sources.every((s) => s.exhausted)) break
        if (emitted === 0 && idle.size > 0) {
          if (this.waiter === undefined) {
            if (this.sources.every((s) => s.exhausted || (idle.has(s) && s.head >= s.queue.length))) break
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
