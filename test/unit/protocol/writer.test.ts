import {describe, expect, it} from 'vitest'
import {APIS} from '../../../src/protocol/apis/index.js'
import {finishFrame, finishFrameParts} from '../../../src/protocol/header.js'
import {decode, encode} from '../../../src/protocol/schema.js'
import {Writer} from '../../../src/protocol/writer.js'

const big = (fill: number, bytes = 100_000) => Buffer.alloc(bytes, fill)

describe('Writer with spliced parts', () => {
  it('references large raw fields instead of copying them, and keeps one byte order', () => {
    const a = big(1)
    const b = big(2)
    const w = new Writer(16).int32(0).int16(7).rawRef(a).int8(3).rawRef(b).rawRef(Buffer.from('small')).int32(9)
    const parts = finishFrameParts(w)
    // The spliced buffers are the caller's own, not copies.
    expect(parts).toContain(a)
    expect(parts).toContain(b)
    const whole = Buffer.concat(parts)
    expect(whole.length).toBe(w.length)
    expect(whole.readInt32BE(0)).toBe(whole.length - 4)
    expect(whole.readInt16BE(4)).toBe(7)
    expect(whole.subarray(6, 100_006).equals(a)).toBe(true)
    expect(whole[100_006]).toBe(3)
    expect(whole.subarray(100_007, 200_007).equals(b)).toBe(true)
    expect(whole.subarray(200_007, 200_012).toString()).toBe('small')
    expect(whole.readInt32BE(200_012)).toBe(9)
    expect(w.toBuffer().equals(whole)).toBe(true)
  })

  it('encodes a Fetch answer whose records are several chunks as one records field', () => {
    const fetch = APIS.find((a) => a.name === 'Fetch')!
    const chunks = [big(5, 70_000), big(6, 30_000), Buffer.from('tail')]
    const partition = (records: Buffer | Buffer[]) => ({responses: [{topic: 't', topicId: '0'.repeat(32), partitions: [{partitionIndex: 0, errorCode: 0, highWatermark: 5, records}]}]})
    for (const version of [4, 12]) {
      const spliced = Buffer.concat(finishFrameParts(encode(fetch.response, partition(chunks), version, new Writer().int32(0))))
      const copied = finishFrame(encode(fetch.response, partition(Buffer.concat(chunks)), version, new Writer().int32(0)))
      expect(spliced.equals(copied)).toBe(true)
      expect(decode(fetch.response, spliced, version, 4).responses[0].partitions[0].records).toEqual(Buffer.concat(chunks))
    }
  })
})
