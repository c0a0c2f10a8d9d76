import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {envelopeJson} from '../../../src/cli/envelope.js'
import {EnvelopeWriter} from '../../../src/cli/json-writer.js'
import {RecordOutput} from '../../../src/cli/output.js'
import {MaterializedRecord} from '../../../src/core/format/record-view.js'

const record = (key: string | null, value: string | Buffer | null, headers: Array<{key: string; value: Buffer | null}> = []) =>
  new MaterializedRecord({offset: 42, timestamp: 1700000000000, key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), headers})

const encodings = {key: 'utf8', value: 'utf8'} as const

/** An EnvelopeWriter over a captured stream; written() flushes and returns everything it wrote. */
function capture(): {writer: EnvelopeWriter; written: () => Promise<string>} {
  const stream = new PassThrough()
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  const out = new RecordOutput(stream)
  return {
    writer: new EnvelopeWriter(out, encodings),
    written: async () => {
      await out.flush()
      return Buffer.concat(chunks).toString()
    },
  }
}

describe('EnvelopeWriter', () => {
  it('writes exactly what envelopeJson produces, on the fast path and off it', async () => {
    const {writer, written} = capture()
    const cases = [
      record('k1', '{"ts":1}'),
      record('plain-key', 'a plain ascii line'),
      record(null, 'no key'),
      record('k', null),
      record('', ''),
      record('tab\tkey', 'quote " and backslash \\ and ünïcode ✓'),
      record('ctl\u0001', 'ctl \u0001 \u001f \u007f \b\f\r\n "json":{"a":"b\\c"} end'),
      record('k', Buffer.from([0xff, 0xfe])),
      record('h', 'with headers', [{key: 'x', value: Buffer.from('y')}, {key: 'n', value: null}]),
      record('a key long enough for the "word" scan \\ \u0002', '{"ts":"2026-01-01T00:00:00.000Z","level":"info","msg":"GET /v1 \\"x\\""}'),
      record('a long key, then a value that is not ascii', 'a value long enough to be scanned by words, then: é'),
      record(null, null),
      record('k', ''),
    ]
    let expected = ''
    for (const [i, r] of cases.entries()) {
      writer.write(i % 2 === 0 ? 'topic' : 'other"topic', i, r)
      expected += envelopeJson(i % 2 === 0 ? 'topic' : 'other"topic', i, r, encodings) + '\n'
    }
    expect(await written()).toBe(expected)
    for (const line of expected.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
  })

  it('keeps offsets, timestamps, keys and partitions right as each changes on its own', async () => {
    const {writer, written} = capture()
    let expected = ''
    const put = (partition: number, offset: number, timestamp: number, key: string | null) => {
      const r = new MaterializedRecord({offset, timestamp, key: key === null ? null : Buffer.from(key), value: Buffer.from(`{"o":${offset}}`), headers: []})
      writer.write('t', partition, r)
      expected += envelopeJson('t', partition, r, encodings) + '\n'
    }
    // Runs where only the offset changes, across each change in its number of digits.
    for (const start of [0, 7, 97, 999_997, 2 ** 31 - 2, 99_999_999_998, 2 ** 53 - 3]) {
      for (let offset = start; offset < start + 3; offset++) put(1, offset, 1_700_000_000_000, null)
    }
    // Then the timestamp, the key's nullness and the partition, one at a time.
    put(1, 5, 1_700_000_000_001, null)
    put(1, 6, 1_700_000_000_001, 'k')
    put(1, 7, 1_700_000_000_001, 'a key of more than sixteen bytes')
    put(1, 8, 1_700_000_000_001, null)
    put(2, 9, 1_700_000_000_001, null)
    put(2, 10, 1_700_000_000_001, '')
    expect(await written()).toBe(expected)
  })
})
