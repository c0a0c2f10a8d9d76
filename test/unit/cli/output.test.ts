import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {RecordOutput, writeDecimal} from '../../../src/cli/output.js'

function capture(): {out: RecordOutput; text: () => string} {
  const stream = new PassThrough()
  const chunks: Buffer[] = []
  stream.on('data', (chunk) => chunks.push(chunk))
  return {out: new RecordOutput(stream), text: () => Buffer.concat(chunks).toString('latin1')}
}

describe('writeDecimal', () => {
  it.each([0, 7, 9, 10, 99, 100, 12345, 2 ** 31 - 1, 2 ** 31, 99_999_999, 100_000_000, 100_000_001, 1_700_000_000_000, 1_700_000_000_005, 2 ** 53 - 1])('writes %d as String() does', (value) => {
    const buf = Buffer.alloc(32)
    const end = writeDecimal(buf, 3, value)
    expect(buf.toString('latin1', 3, end)).toBe(String(value))
  })
})

describe('RecordOutput.writeInPlace', () => {
  it('gathers values inside the caller buffer and hands them over in order with other writes', async () => {
    // A fake chunk: each value is preceded by 4 bytes of "header" and followed by one byte.
    const values = ['alpha', '', 'b', 'a longer value with spaces', 'x'.repeat(300)]
    const parts: Buffer[] = []
    const spans: Array<[number, number]> = []
    let at = 0
    for (const v of values) {
      parts.push(Buffer.from('HHHH'), Buffer.from(v, 'latin1'), Buffer.from('Z'))
      spans.push([at + 4, at + 4 + v.length])
      at += 4 + v.length + 1
    }
    const chunk = Buffer.concat(parts)
    const {out, text} = capture()
    out.writeString('<')
    for (const [start, end] of spans.slice(0, 3)) out.writeInPlace(chunk, start, end, 0x0a)
    out.writeString('|')
    for (const [start, end] of spans.slice(3)) out.writeInPlace(chunk, start, end, -1)
    await out.maybeFlush()
    const other = Buffer.from('HHHHlastZ')
    out.writeInPlace(other, 4, 8, 0x0a)
    await out.flush()
    expect(text()).toBe(`<alpha\n\nb\n|a longer value with spaces${'x'.repeat(300)}last\n`)
  })

  it('copies instead when the suffix would fall outside the buffer', async () => {
    const {out, text} = capture()
    const exact = Buffer.from('value')
    out.writeInPlace(exact, 0, 5, 0x0a)
    out.writeInPlace(Buffer.from('next'), 0, 4, 0x0a)
    await out.flush()
    expect(text()).toBe('value\nnext\n')
    expect(exact.toString()).toBe('value')
  })
})
