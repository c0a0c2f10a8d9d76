import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {batchSizeAt, readInt64} from '../../../src/core/format/record-batch.js'
import {segmentPaths} from '../../../src/core/segment/segment.js'
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
    const bytes = fs.readFileSync(file)
    const starts = batchStarts(bytes)
    // The batch a 1 MiB read ends in loses its second half (as while a writer is in the middle of
    // it): the spare-room read comes up short.
    const cut = starts.findIndex((at) => at > 1024 * 1024) - 1
    const tornAt = starts[cut] + Math.floor(batchSizeAt(bytes, starts[cut]) / 2)
    fs.truncateSync(file, tornAt)
    const cursor = topic.reader(0).openCursor(0)
    const first = cursor.read()!
    expect(first.end).toBe(starts[cut])
    expect(cursor.read()).toBeUndefined()
    // The rest of the batch arrives (the file grows): the next read returns it, and the batches after it.
    fs.appendFileSync(file, bytes.subarray(tornAt))
    const after: number[] = []
    for (let chunk = cursor.read(); chunk !== undefined; chunk = cursor.read()) after.push(readInt64(chunk.buffer, chunk.start))
    expect(after[0]).toBe(readInt64(bytes, starts[cut]))
    expect(cursor.nextOffset).toBe(RECORDS)
  })

  it('handOver: the caller keeps the buffer of a chunk, intact through later reads, and the cursor reads into the replacement', () => {
    const topic = topicWithBatches()
    const cursor = topic.reader(0).openCursor(0, {readBytes: 256 * 1024})
    const kept: Array<{bytes: Buffer; copy: Buffer}> = []
    const replacements: Buffer[] = []
    for (let chunk = cursor.read(); chunk !== undefined; chunk = cursor.read()) {
      const replacement = Buffer.alloc(cursor.standardBytes)
      const given = cursor.handOver(replacement)
      expect(given).toBe(chunk.buffer)
      // The next read goes into the replacement, never into a buffer handed over.
      replacements.push(replacement)
      kept.push({bytes: given.subarray(chunk.start, chunk.end), copy: Buffer.from(given.subarray(chunk.start, chunk.end))})
    }
    expect(kept.length).toBeGreaterThan(3)
    for (const {bytes, copy} of kept) expect(bytes.equals(copy)).toBe(true)
    // A replacement of another size is not taken: the cursor allocates one of its own.
    expect(cursor.handOver(Buffer.alloc(10))).toBe(replacements.at(-1))
    cursor.close()
  })

  it('bytes a reader verified are not checked again, but a replaced file, or one it found cut shorter, is verified anew', () => {
    const topic = topicWithBatches()
    const reader = topic.reader(0)
    const readAll = () => {
      const cursor = reader.openCursor(0, {readBytes: 256 * 1024})
      try {
        while (cursor.read() !== undefined);
      } finally {
        cursor.close()
      }
    }
    readAll()
    const file = segmentPaths(topic.partitionDir(0), 0).log
    const bytes = fs.readFileSync(file)
    expect(reader.verifiedEnd(0, fs.statSync(file).ino)).toBe(bytes.length)
    const starts = batchStarts(bytes)
    const damaged = Buffer.from(bytes)
    damaged[starts[5] + 70] ^= 0xff // a record byte of the sixth batch: only its CRC tells
    // Replaced (as compaction replaces a segment): another inode, read and checked again.
    fs.writeFileSync(`${file}.new`, damaged)
    fs.renameSync(`${file}.new`, file)
    expect(() => readAll()).toThrow(/CRC-32C mismatch/)
    // Found cut shorter than what was verified (same inode), then written again: checked again.
    fs.writeFileSync(file, bytes)
    readAll()
    fs.truncateSync(file, starts[3])
    readAll()
    fs.appendFileSync(file, damaged.subarray(starts[3]))
    expect(() => readAll()).toThrow(/CRC-32C mismatch/)
  })

  it('reads a first batch larger than 1 MiB whole, with the spare room', () => {
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}})
    const topic = log.createTopic('big', {partitions: 1, config: {'max.message.bytes': String(2 * 1024 * 1024)}})
    const producer = new Producer(topic, {batchBytes: 2 * 1024 * 1024})
    producer.send({key: null, value: Buffer.alloc(1100 * 1024, 'v')})
    producer.flush()
    producer.send({key: null, value: Buffer.from('next')})
    producer.flush()
    const cursor = topic.reader(0).openCursor(0)
    const chunk = cursor.read()!
    expect(batchSizeAt(chunk.buffer, chunk.start)).toBe(chunk.end - chunk.start)
    expect(chunk.end - chunk.start).toBeGreaterThan(1100 * 1024)
    expect(cursor.nextOffset).toBe(1)
    expect(readInt64(cursor.read()!.buffer, 0)).toBe(1)
  })
})

/** Positions of the batches in a segment file's bytes. */
function batchStarts(bytes: Buffer): number[] {
  const starts: number[] = []
  for (let at = 0; at < bytes.length; at += batchSizeAt(bytes, at)) starts.push(at)
  return starts
}
