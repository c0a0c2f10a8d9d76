import {describe, expect, it} from 'vitest'
import {BatchBuilder, decodeBatch, Header} from '../../../src/core/format/record-batch.js'

// The staged path (values moved inside the batch buffer) must encode exactly what the plain
// path (values copied from the caller's buffer) encodes, whatever the value sizes, keys, headers,
// batch resets and the order in which slices are taken.

function rng(seed: number): () => number {
  let state = seed
  return () => (state = (Math.imul(state, 48271) + 11) & 0x7fffffff) / 0x7fffffff
}

interface Slice {
  key: Buffer | null
  start: number
  end: number
  timestamp: number
  headers?: Header[]
}

function makeChunk(random: () => number, lines: number, maxLength: number): {chunk: Buffer; slices: Slice[]} {
  const parts: Buffer[] = []
  const slices: Slice[] = []
  let at = 0
  for (let i = 0; i < lines; i++) {
    const length = random() < 0.05 ? 0 : Math.floor(random() * maxLength)
    const line = Buffer.alloc(length, 0x61 + (i % 26))
    if (length > 0) line[0] = i & 0xff
    parts.push(line, Buffer.from('\n'))
    const key = random() < 0.3 ? Buffer.from(`k${i % 7}`) : null
    const headers = random() < 0.1 ? [{key: 'h', value: Buffer.from('v')}] : undefined
    slices.push({key, start: at, end: at + length, timestamp: 1_700_000_000_000 + Math.floor(i / 3) + (random() < 0.02 ? 100_000 : 0), headers})
    at += length + 1
  }
  return {chunk: Buffer.concat(parts), slices}
}

function build(chunk: Buffer, slices: Slice[], staged: boolean, batchEvery: number, order: number[]): Buffer[] {
  const builder = new BatchBuilder(256)
  if (staged) builder.useImmutableSource(chunk)
  const batches: Buffer[] = []
  let n = 0
  for (const i of order) {
    const s = slices[i]
    builder.addSlice(s.key, chunk, s.start, s.end, s.timestamp, s.headers)
    if (++n % batchEvery === 0) {
      batches.push(Buffer.from(builder.seal()))
      builder.reset()
    }
  }
  if (builder.recordCount > 0) batches.push(Buffer.from(builder.seal()))
  return batches
}

describe('BatchBuilder staging of an immutable source', () => {
  const cases: Array<[string, number, number, number]> = [
    ['log-sized lines', 2000, 200, 300],
    ['tiny lines (the fields catch up with the staged values)', 3000, 4, 1000],
    ['long values (two-byte and longer varints)', 200, 20_000, 50],
    ['one batch for everything', 1500, 300, 1_000_000],
  ]
  it.each(cases)('encodes %s byte for byte like the copying path', (_name, lines, maxLength, batchEvery) => {
    const random = rng(lines + maxLength)
    const {chunk, slices} = makeChunk(random, lines, maxLength)
    const order = slices.map((_, i) => i)
    const plain = build(chunk, slices, false, batchEvery, order)
    const staged = build(chunk, slices, true, batchEvery, order)
    expect(staged.length).toBe(plain.length)
    for (let b = 0; b < plain.length; b++) expect(staged[b].equals(plain[b])).toBe(true)
    const values = plain.flatMap((batch) => decodeBatch(batch).records.map((r) => r.value!.toString('latin1')))
    expect(values).toEqual(slices.map((s) => chunk.toString('latin1', s.start, s.end)))
  })

  it('stays correct when slices are taken out of order or twice', () => {
    const random = rng(99)
    const {chunk, slices} = makeChunk(random, 800, 150)
    const order = [...slices.keys(), ...slices.keys()].map((i) => (random() < 0.2 ? Math.floor(random() * slices.length) : i))
    for (const batchEvery of [37, 100_000]) {
      const plain = build(chunk, slices, false, batchEvery, order)
      const staged = build(chunk, slices, true, batchEvery, order)
      expect(staged.map((b) => b.toString('hex'))).toEqual(plain.map((b) => b.toString('hex')))
    }
  })
})
