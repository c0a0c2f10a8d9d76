import fs from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'
import {RecordCursor, batchSizeAt} from '../../../src/core/format/record-batch.js'
import {segmentPaths} from '../../../src/core/segment/segment.js'
import {FdCache, FdHolder, defaultFdBudget, fdCache} from '../../../src/core/io/fd-cache.js'
import {fileLockFor} from '../../../src/core/io/file-lock.js'
import {openLog} from '../../../src/core/log.js'
import type {PartitionCursor} from '../../../src/core/partition/partition-reader.js'
import {Producer} from '../../../src/core/producer.js'
import {tmpLogDir} from '../../helpers/strom.js'

class FakeHolder implements FdHolder {
  closed = 0
  constructor(readonly name: string, public busy = false) {}
  closeIdle(): boolean {
    if (this.busy) return false
    this.closed++
    return true
  }
}

const openFds = () => fs.readdirSync('/proc/self/fd').length

describe('FdCache', () => {
  it('closes the least recently used holders beyond the budget, never the one being used', () => {
    const cache = new FdCache(5)
    const [a, b, c] = [new FakeHolder('a'), new FakeHolder('b'), new FakeHolder('c')]
    cache.touch(a, 2)
    cache.touch(b, 2)
    cache.touch(a, 2) // a is now the most recent
    cache.touch(c, 2)
    expect([a.closed, b.closed, c.closed]).toEqual([0, 1, 0])
    expect(cache.open).toBe(4)
    cache.touch(c, 6) // more than the whole budget: the others go, c stays
    expect([a.closed, b.closed, c.closed]).toEqual([1, 1, 0])
    expect(cache.open).toBe(6)
  })

  it('skips a holder in use and asks it last next time', () => {
    const cache = new FdCache(2)
    const busy = new FakeHolder('busy', true)
    const idle = new FakeHolder('idle')
    cache.touch(busy, 1)
    cache.touch(idle, 1)
    cache.touch(new FakeHolder('new'), 1)
    expect(busy.closed).toBe(0)
    expect(idle.closed).toBe(1)
    expect(cache.open).toBe(2)
  })

  it('forgets a holder that closed its files itself', () => {
    const cache = new FdCache(2)
    const a = new FakeHolder('a')
    cache.touch(a, 2)
    cache.forget(a)
    cache.touch(new FakeHolder('b'), 2)
    expect(a.closed).toBe(0)
    expect(cache.open).toBe(2)
  })

  it('takes half the soft open-file limit as its budget', () => {
    expect(defaultFdBudget('Limit                     Soft Limit           Hard Limit           Units\nMax open files            256                  4096                 files\n')).toBe(128)
    expect(defaultFdBudget('Max open files            unlimited            unlimited            files\n')).toBe(16_384)
    expect(defaultFdBudget('nothing here')).toBe(512)
  })
})

describe('partition files under a small descriptor budget', () => {
  const savedBudget = fdCache.budget
  afterEach(() => {
    fdCache.budget = savedBudget
  })

  it('writes and reads 40 partitions in turn holding no more descriptors than the budget', () => {
    fdCache.budget = 8
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}})
    const topic = log.createTopic('t', {partitions: 40})
    const producer = new Producer(topic, {partitioner: 'round-robin'})
    const before = openFds()
    let peak = 0
    // Ten rounds, each appending once to every partition: every append after the first round
    // reopens files the budget closed.
    for (let round = 0; round < 10; round++) {
      for (let p = 0; p < 40; p++) producer.send({value: `${round}:${p}`})
      producer.flush()
      peak = Math.max(peak, openFds() - before)
    }
    expect(peak).toBeLessThanOrEqual(8 + 1)
    for (let p = 0; p < 40; p++) expect(topic.reader(p).endOffset()).toBe(10)

    // Read in turn, one small chunk per partition each time, so every read resumes a closed file.
    const cursors = Array.from({length: 40}, (_, p) => topic.reader(p).openCursor(0, {readBytes: 80}))
    const seen: string[][] = cursors.map(() => [])
    let progressed = true
    while (progressed) {
      progressed = false
      cursors.forEach((cursor, p) => {
        const chunk = cursor.read()
        if (chunk === undefined) return
        progressed = true
        seen[p].push(...recordValues(chunk.buffer.subarray(chunk.start, chunk.end)))
        peak = Math.max(peak, openFds() - before)
      })
    }
    for (const cursor of cursors) cursor.close()
    expect(peak).toBeLessThanOrEqual(8 + 1)
    seen.forEach((values, p) => expect(values).toEqual(Array.from({length: 10}, (_, round) => `${round}:${p}`)))
    topic.close()
  })

  it('a writer whose closed segment was replaced meanwhile recovers, and a cursor finds its offset again', () => {
    fdCache.budget = 4
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}})
    const topic = log.createTopic('t', {partitions: 2})
    const producer = new Producer(topic)
    for (let i = 0; i < 5; i++) {
      producer.send({value: `a${i}`, partition: 0})
      producer.flush()
    }
    const cursor = topic.reader(0).openCursor(0, {readBytes: 80})
    const values = recordValues(sliceOf(cursor))
    expect(values).toEqual(['a0'])
    // Partition 1's writer and lock push partition 0's files out of the budget.
    producer.send({value: 'b0', partition: 1})
    producer.flush()
    // Another process replaced the segment file, as compaction does (a new inode), dropping the
    // first batch: the byte position the cursor was at now points one batch further on.
    const file = segmentPaths(topic.partitionDir(0), 0).log
    const bytes = fs.readFileSync(file)
    fs.writeFileSync(`${file}.copy`, bytes.subarray(batchSizeAt(bytes, 0)))
    fs.renameSync(`${file}.copy`, file)
    producer.send({value: 'a5', partition: 0})
    expect(producer.flush()).toEqual([{baseOffset: 5, lastOffset: 5}])
    for (let chunk = sliceOf(cursor); chunk.length > 0; chunk = sliceOf(cursor)) values.push(...recordValues(chunk))
    expect(values).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5'])
    cursor.close()
    topic.close()
  })

  it('a closed writer leaves no lock file open', () => {
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}})
    const topic = log.createTopic('t', {partitions: 1})
    const before = openFds()
    const producer = new Producer(topic)
    producer.send({value: 'x'})
    producer.close()
    expect(openFds()).toBe(before)
    // The lock still works after its file was closed.
    const lock = fileLockFor(`${topic.partitionDir(0)}/write.lock`)
    expect(lock.tryAcquire()).toBe(true)
    lock.close()
  })
})

function sliceOf(cursor: PartitionCursor): Buffer {
  const chunk = cursor.read()
  return chunk === undefined ? Buffer.alloc(0) : Buffer.from(chunk.buffer.subarray(chunk.start, chunk.end))
}

/** The values of the records in whole batches. */
function recordValues(batches: Buffer): string[] {
  const values: string[] = []
  const record = new RecordCursor()
  for (let at = 0; at < batches.length; at += batchSizeAt(batches, at)) {
    record.reset(batches, at)
    while (record.next()) values.push(record.data.toString('utf8', record.valueStart, record.valueStart + record.valueLength))
  }
  return values
}
