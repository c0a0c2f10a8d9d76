/**
 * Two writers on one partition (two opened logs, as two processes would have): each appends where
 * the other left off, across the segment rolls the other made, right after them and long after.
 */
import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {batchSizeAt, decodeBatch, encodeBatch} from '../../../src/core/format/record-batch.js'
import {openLog} from '../../../src/core/log.js'
import {tmpLogDir} from '../../helpers/strom.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('two writers on one partition', () => {
  it('append after each other across the rolls either makes', async () => {
    const dir = tmpLogDir()
    const first = openLog({dir})
    first.createTopic('t', {config: {'segment.bytes': '1024'}})
    const second = openLog({dir})
    const writers = [first.topic('t').writer(0), second.topic('t').writer(0)]
    const expected: string[] = []
    for (let i = 0; i < 120; i++) {
      const value = `record ${i} `.padEnd(150, '.')
      const writer = writers[i % 3 === 0 ? 1 : 0]
      const result = writer.append(encodeBatch([{key: null, value: Buffer.from(value)}]))
      expect(result.baseOffset).toBe(i)
      expected.push(value)
      // Now and then long after the last change (directory stamps are coarse).
      if (i % 17 === 0) await sleep(120)
    }
    const segments = fs.readdirSync(first.topic('t').partitionDir(0)).filter((name) => name.endsWith('.log'))
    expect(segments.length).toBeGreaterThan(10)
    const read: string[] = []
    const cursor = openLog({dir}).topic('t').reader(0).openCursor(0)
    for (let chunk = cursor.read(); chunk !== undefined; chunk = cursor.read()) {
      for (let at = chunk.start; at < chunk.end; at += batchSizeAt(chunk.buffer, at)) read.push(...decodeBatch(chunk.buffer, at).records.map((record) => record.value!.toString()))
    }
    cursor.close()
    expect(read).toEqual(expected)
  })
})
