/** The newest few messages of a topic (all partitions, newest last), for a dashboard's live tail. */
import {BATCH, LOG_OVERHEAD, RecordCursor} from '../format/record-batch.js'
import type {Topic} from '../log.js'

export interface TailRecord {
  partition: number
  offset: number
  timestamp: number
  key: string | null
  value: string | null
}

export function tailTopic(topic: Topic, count: number): TailRecord[] {
  const records: TailRecord[] = []
  const cursor = new RecordCursor()
  for (let p = 0; p < topic.partitions; p++) {
    const reader = topic.reader(p)
    const end = reader.endOffset()
    const from = Math.max(reader.logStartOffset(), end - count)
    if (from >= end) continue
    // The newest few records sit just after the last index entry: a small read covers them.
    const partitionCursor = reader.openCursor(from, {checkCrcs: false, readBytes: 64 * 1024})
    try {
      for (let chunk = partitionCursor.read(); chunk !== undefined; chunk = partitionCursor.read()) {
        for (let at = chunk.start; at < chunk.end; at += chunk.buffer.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD) {
          cursor.reset(chunk.buffer, at)
          while (cursor.next()) {
            if (cursor.offset < from || cursor.offset >= end) continue
            records.push({partition: p, offset: cursor.offset, timestamp: cursor.timestamp, key: cursor.key()?.toString() ?? null, value: cursor.value()?.toString() ?? null})
          }
        }
        if (partitionCursor.nextOffset >= end) break
      }
    } finally {
      partitionCursor.close()
    }
  }
  return records.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset).slice(-count)
}
