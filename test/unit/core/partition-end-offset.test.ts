import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {BatchBuilder} from '../../../src/core/format/record-batch.js'
import {openLog} from '../../../src/core/log.js'
import {Producer} from '../../../src/core/producer.js'
import {segmentPaths} from '../../../src/core/segment/segment.js'
import {tmpLogDir} from '../../helpers/strom.js'

/** One batch of `count` records with base offset `base`, as a writer of another process puts it in the file. */
function batchAt(base: number, count: number): Buffer {
  const builder = new BatchBuilder(4096)
  for (let i = 0; i < count; i++) builder.add(null, Buffer.from(`r${base + i}`), Date.now())
  const batch = Buffer.from(builder.seal())
  batch.writeBigInt64BE(BigInt(base), 0)
  return batch
}

describe('a partition reader\'s end offset, asked after every append', () => {
  it('follows a file that grows (scanning only what was added), a batch still being written, and a file cut and written again', () => {
    const dir = tmpLogDir()
    const log = openLog({dir})
    const topic = log.createTopic('t', {config: {'index.interval.bytes': '1000000'}})
    const producer = new Producer(topic)
    const reader = topic.reader(0)
    const file = segmentPaths(topic.partitionDir(0), 0).log
    expect(reader.endOffset()).toBe(0)
    let end = 0
    for (let i = 0; i < 50; i++) {
      producer.send({key: null, value: `m${i}`, partition: 0})
      producer.flush()
      end++
      expect(reader.endOffset()).toBe(end)
    }
    // Another process's batch, its first half written: not counted until it is whole.
    const next = batchAt(end, 3)
    fs.appendFileSync(file, next.subarray(0, 30))
    expect(reader.endOffset()).toBe(end)
    fs.appendFileSync(file, next.subarray(30))
    end += 3
    expect(reader.endOffset()).toBe(end)
    // Cut back by 2 batches (as repair or recovery does, same file), then longer batches written
    // from there: the bytes at the old end now sit inside a batch.
    const sizes: number[] = []
    const whole = fs.readFileSync(file)
    for (let at = 0; at < whole.length; at += whole.readInt32BE(at + 8) + 12) sizes.push(at)
    fs.truncateSync(file, sizes[sizes.length - 2])
    fs.appendFileSync(file, Buffer.concat([batchAt(end - 4, 40), batchAt(end + 36, 40)]))
    expect(reader.endOffset()).toBe(end + 76)
    topic.close()
  })
})
