import {describe, expect, it} from 'vitest'
import {BatchBuilder, decodeBatch} from '../../../src/core/format/record-batch.js'
import {openLog, Topic} from '../../../src/core/log.js'
import {DelimitedOptions, Producer} from '../../../src/core/producer.js'
import {partitionForKey} from '../../../src/core/topic/murmur2.js'
import {tmpLogDir} from '../../helpers/strom.js'

// Producer.sendDelimited (the produce hot path: keys found, hashed and copied where they lie in
// the chunk, values moved inside the arena) must append exactly the batches that sending each
// message on its own through sendSlice appends, byte for byte.

interface Appended {
  partition: number
  batch: Buffer
}

function capturingTopic(partitions: number, config: Record<string, string> = {}): {topic: Topic; appended: Appended[]} {
  const log = openLog({dir: tmpLogDir(), onWarning: () => {}})
  const topic = log.createTopic('t', {partitions, config})
  const appended: Appended[] = []
  Object.assign(topic, {
    writer: (partition: number) => ({
      append: (batch: Buffer) => {
        appended.push({partition, batch: Buffer.from(batch)})
        return {baseOffset: 0, lastOffset: 0}
      },
    }),
  })
  return {topic, appended}
}

/** What produce.ts did for each message before the hot path: key split, then sendSlice. */
function sendOneByOne(producer: Producer, input: Buffer, options: DelimitedOptions, timestamp: number): void {
  let start = 0
  while (start < input.length) {
    let end = input.indexOf(options.delimiter, start)
    if (end < 0) end = input.length
    let key: Buffer | null = null
    let valueStart = start
    if (options.keyDelimiter >= 0) {
      const at = input.subarray(start, end).indexOf(options.keyDelimiter)
      if (at >= 0) {
        key = input.subarray(start, start + at)
        valueStart = start + at + 1
      }
    }
    if (options.nullEmpty && key !== null && key.length === 0) key = null
    if (options.nullEmpty && valueStart === end) producer.sendBytes(key, null, timestamp, undefined, options.partition)
    else producer.sendSlice(key, input, valueStart, end, timestamp, undefined, options.partition)
    start = end + 1
  }
}

function rng(seed: number): () => number {
  let state = seed
  return () => (state = (Math.imul(state, 48271) + 11) & 0x7fffffff) / 0x7fffffff
}

/** Lines of every shape the hot path branches on. */
function makeInput(random: () => number, lines: number): Buffer {
  const parts: string[] = []
  for (let i = 0; i < lines; i++) {
    const r = random()
    const valueLength = r < 0.05 ? 0 : r < 0.1 ? 63 + Math.floor(random() * 3) : r < 0.12 ? 8190 + Math.floor(random() * 4) : Math.floor(random() * 200)
    const value = String.fromCharCode(0x61 + (i % 26)).repeat(valueLength)
    const k = random()
    if (k < 0.5) parts.push(`user-${i % 13}:${value}`) // a short key
    else if (k < 0.6) parts.push(`${'long-key-'.repeat(5)}${i % 5}:${value}`) // a key past the bytes scanned in place
    else if (k < 0.65) parts.push(`:${value}`) // an empty key
    else parts.push(value.replaceAll(':', '')) // no key delimiter at all
  }
  return Buffer.from(parts.join('\n') + '\n', 'latin1')
}

const TIMESTAMPS = [1_700_000_000_000, 1_700_000_000_003, 1_700_000_000_500, 1_700_000_100_000, 1_699_999_999_000]

function run(options: DelimitedOptions, how: 'delimited-in-arena' | 'delimited-staged' | 'delimited-unstaged' | 'one-by-one', input: Buffer, partitions: number, batchBytes: number): Appended[] {
  const {topic, appended} = capturingTopic(partitions)
  const producer = new Producer(topic, {partitioner: 'round-robin', batchBytes})
  // The input in pieces of whole lines, each with its own timestamp, as chunks from stdin come.
  const pieces: Buffer[] = []
  for (let start = 0, i = 0; start < input.length; i++) {
    let end = input.indexOf(options.delimiter, Math.min(input.length - 1, start + 5000)) + 1
    if (end <= 0) end = input.length
    pieces.push(input.subarray(start, end))
    start = end
  }
  const inputRegion = how === 'delimited-in-arena' ? producer.inputBuffer(1 << 20) : undefined
  pieces.forEach((piece, i) => {
    const timestamp = TIMESTAMPS[i % TIMESTAMPS.length]
    let chunk = piece
    if (inputRegion !== undefined) {
      chunk = inputRegion.subarray(0, piece.length)
      piece.copy(chunk)
    }
    if (how !== 'delimited-unstaged') producer.useImmutableSource(chunk)
    if (how === 'one-by-one') sendOneByOne(producer, chunk, options, timestamp)
    else producer.sendDelimited(chunk, 0, chunk.length, options, timestamp)
  })
  producer.useImmutableSource(undefined)
  producer.flush()
  return appended
}

describe('Producer.sendDelimited', () => {
  const cases: Array<[string, DelimitedOptions, number, number]> = [
    ['unkeyed lines, 4 partitions', {delimiter: 10, keyDelimiter: -1}, 4, 16 * 1024],
    ['keyed lines (murmur2 partitions)', {delimiter: 10, keyDelimiter: 0x3a}, 4, 16 * 1024],
    ['keyed lines, empty keys and values as null', {delimiter: 10, keyDelimiter: 0x3a, nullEmpty: true}, 3, 16 * 1024],
    ['one explicit partition, small batches', {delimiter: 10, keyDelimiter: 0x3a, partition: 1}, 2, 600],
    ['NUL-delimited, one partition, large batches', {delimiter: 0, keyDelimiter: 0x3a}, 1, 1 << 20],
  ]
  it.each(cases)('appends %s exactly as one send per message does', (_name, options, partitions, batchBytes) => {
    const random = rng(partitions * 1000 + batchBytes)
    let input = makeInput(random, 3000)
    if (options.delimiter === 0) input = Buffer.from(input.toString('latin1').replaceAll('\n', '\0'), 'latin1')
    const expected = run(options, 'one-by-one', input, partitions, batchBytes)
    expect(expected.length).toBeGreaterThanOrEqual(partitions)
    for (const how of ['delimited-in-arena', 'delimited-staged', 'delimited-unstaged'] as const) {
      const actual = run(options, how, input, partitions, batchBytes)
      expect(actual.map((a) => a.partition)).toEqual(expected.map((a) => a.partition))
      for (let i = 0; i < expected.length; i++) expect(actual[i].batch.toString('hex'), `${how}: batch ${i}`).toBe(expected[i].batch.toString('hex'))
    }
  })

  it('puts a keyed record where Kafka puts its key, and keeps the bytes of every record', () => {
    const input = Buffer.from('foobar:1\nabc:2\n21:3\nno key here\n:empty key\nfoobar:\n', 'latin1')
    const appended = run({delimiter: 10, keyDelimiter: 0x3a}, 'delimited-in-arena', input, 7, 1 << 20)
    const records = appended.flatMap(({partition, batch}) => decodeBatch(batch).records.map((r) => ({partition, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null})))
    const byValue = (a: {value: string | null}, b: {value: string | null}) => String(a.value).localeCompare(String(b.value))
    expect(records.sort(byValue)).toEqual([
      {partition: partitionForKey(Buffer.from('foobar'), 7), key: 'foobar', value: ''},
      {partition: partitionForKey(Buffer.from('foobar'), 7), key: 'foobar', value: '1'},
      {partition: partitionForKey(Buffer.from('abc'), 7), key: 'abc', value: '2'},
      {partition: partitionForKey(Buffer.from('21'), 7), key: '21', value: '3'},
      {partition: partitionForKey(Buffer.alloc(0), 7), key: '', value: 'empty key'},
      {partition: expect.any(Number), key: null, value: 'no key here'},
    ].sort(byValue))
    // Kafka's vectors: murmur2('foobar') = -790332482, murmur2('21') = -973932308.
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe((-790332482 & 0x7fffffff) % 7)
    expect(partitionForKey(Buffer.from('21'), 7)).toBe((-973932308 & 0x7fffffff) % 7)
  })

  it('grows a batch past its arena region for a record larger than the batch size, then goes back', () => {
    const big = 'B'.repeat(40_000)
    const input = Buffer.from(`a\n${big}\nb\nc\n${big}x\nd\n`, 'latin1')
    const options = {delimiter: 10, keyDelimiter: -1, partition: 0}
    const expected = run(options, 'one-by-one', input, 1, 4096)
    const actual = run(options, 'delimited-in-arena', input, 1, 4096)
    expect(actual.map((a) => a.batch.toString('hex'))).toEqual(expected.map((a) => a.batch.toString('hex')))
    expect(actual.flatMap((a) => decodeBatch(a.batch).records.map((r) => r.value!.length))).toEqual([1, 40_000, 1, 1, 40_001, 1])
  })

  it('stops at a message without a key on a compacted topic, having taken the ones before it', () => {
    const {topic} = capturingTopic(1, {'cleanup.policy': 'compact'})
    const producer = new Producer(topic)
    const input = Buffer.from('k1:a\nk2:b\nno key\nk3:c\n')
    expect(() => producer.sendDelimited(input, 0, input.length, {delimiter: 10, keyDelimiter: 0x3a}, 1)).toThrow(/needs a key/)
    expect(producer.stats.messages).toBe(2)
  })

  it('refuses a message larger than max.message.bytes, having taken the ones before it', () => {
    const {topic} = capturingTopic(1, {'max.message.bytes': '1000'})
    const producer = new Producer(topic)
    const input = Buffer.from(`small\n${'x'.repeat(2000)}\n`)
    expect(() => producer.sendDelimited(input, 0, input.length, {delimiter: 10, keyDelimiter: -1}, 1)).toThrow(/larger than max.message.bytes/)
    expect(producer.stats.messages).toBe(1)
  })
})

describe('BatchBuilder.addFromSource', () => {
  it('encodes what addSlice encodes, for varint sizes of one, two and three bytes', () => {
    const source = Buffer.from('K'.repeat(70) + ':' + 'v'.repeat(9000), 'latin1')
    const shapes: Array<[number, number, number, number]> = [
      [-1, -1, 71, 71], [-1, -1, 71, 71 + 63], [-1, -1, 71, 71 + 64], [-1, -1, 71, 71 + 8191], [-1, -1, 71, 71 + 8192],
      [0, 0, 71, 80], [0, 5, 71, 80], [0, 63, 71, 72], [0, 64, 71, 72], [0, 70, 71, 9071],
    ]
    const plain = new BatchBuilder(256)
    const fromSource = new BatchBuilder(256)
    fromSource.useImmutableSource(source)
    for (let i = 0; i < 9000; i++) {
      const [keyStart, keyEnd, valueStart, valueEnd] = shapes[i % shapes.length]
      // Timestamps around the base: deltas of one byte, several bytes and negative ones.
      const timestamp = 1_700_000_000_000 + [0, 1, 63, 64, 100_000, -5][i % 6]
      plain.addSlice(keyStart < 0 ? null : source.subarray(keyStart, keyEnd), source, valueStart, valueEnd, timestamp)
      fromSource.addFromSource(source, keyStart, keyEnd, valueStart, valueEnd, timestamp)
    }
    expect(fromSource.recordCount).toBe(9000) // offset deltas past 8191: three-byte varints
    expect(fromSource.seal().equals(plain.seal())).toBe(true)
  })
})
