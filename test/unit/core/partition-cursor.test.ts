import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {batchSizeAt, readInt64} from '../../../src/core/format/record-batch.js'
import {segmentPaths} from '../../../src/core/format/segment-files.js'
import {openLog} from '../../../src/core/log.js'
import type {PartitionCursor} from '../../../src/core/partition/partition-reader.js'
import {Producer} from '../../../src/core/producer.js'
import {tmpLogDir} from '../../helpers/strom.js'

// 100 KiB batches: a 1 MiB read ends inside the eleventh of them.
const BATCH_BYTES = 100 * 1024
const RECORDS = 12_000
const value = (i: number) => Buffer.from(`record ${String(i).padStart(6, '0')} `.padEnd(100, 'x'))

function topicWithBatches() {
  const log = openLog({dir: tmpLogDir(), onWarning: () => {}})
  const topic = log.createTopic('t', {partitions: 1})
  const producer = new Producer(topic, {batchBytes: BATCH_BYTES})
  for (let i = 0; i < RECORDS; i++) producer.send({key: null, value: value(i)})
  producer.flush()
  return topic
}

/** Reads to the end: each chunk's first offset and length, checking its batches follow on. */
function chunks(cursor: PartitionCursor) {
  const seen: Array<{first: number; bytes: number}> = []
  let expectedOffset = 0
  for (let chunk = cursor.read(); chunk !== undefined; chunk = cursor.read()) {
    let at = chunk.start
    const first = readInt64(chunk.buffer, at)
    while (at < chunk.end) {
      expect(readInt64(chunk.buffer, at)).toBe(expectedOffset)
      expectedOffset = readInt64(chunk.buffer, at) + chunk.buffer.readInt32BE(at + 23) + 1
      at += batchSizeAt(chunk.buffer, at)
    }
    expect(at).toBe(chunk.end)
    seen.push({first, bytes: chunk.end - chunk.start})
  }
  expect(expectedOffset).toBe(RECORDS)
  return seen
}

describe('PartitionCursor chunks', () => {
  it('completes the batch a default 1 MiB read cut short, so no byte is read twice', () => {
    const topic = topicWithBatches()
    const file = segmentPaths(topic.partitionDir(0), 0).log
    const size = fs.statSync(file).size
    const seen = chunks(topic.reader(0).openCursor(0))
    // Every byte of the segment in exactly one chunk, and the chunks go past 1 MiB.
    expect(seen.reduce((sum, c) => sum + c.bytes, 0)).toBe(size)
    expect(Math.max(...seen.map((c) => c.bytes))).toBeGreaterThan(1024 * 1024)
  })

  it('keeps chunks within an explicit readBytes (the server fetch limit)', () => {
    const topic = topicWithBatches()
    const seen = chunks(topic.reader(0).openCursor(0, {readBytes: 256 * 1024}))
    expect(Math.max(...seen.map((c) => c.bytes))).toBeLessThanOrEqual(256 * 1024)
  })

  it('returns a batch cut short by the end of the file only once it is complete', () => {
    const topic = topicWithBatches()
    const file = segmentPaths(topic.partitionDir(0), 0).log
    const size = fs.statSync(file).size
    // A torn tail: the last batch loses its last bytes (as after a kill -9 mid-write).
    fs.truncateSync(file, size - 10)
    const cursor = topic.reader(0).openCursor(0)
    let last = 0
    for (let chunk = cursor.read(); chunk !== undefined; chunk = cursor.read()) last = cursor.nextOffset
    expect(last).toBeLessThan(RECORDS)
    expect(last).toBeGreaterThan(RECORDS - 1100)
  })
})
