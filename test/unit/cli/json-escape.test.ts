import {describe, expect, it} from 'vitest'
import {JsonStringWriter, maxQuotedLength} from '../../../src/cli/json-escape.js'

/** Runs the writer on `bytes` placed at an offset inside a larger buffer, into an offset of the target. */
function quote(bytes: Uint8Array, writer = new JsonStringWriter(), sourceOffset = 3, targetOffset = 5): string | undefined {
  const source = Buffer.alloc(bytes.length + sourceOffset + 7, 0x41)
  source.set(bytes, sourceOffset)
  const target = Buffer.alloc(targetOffset + maxQuotedLength(bytes.length), 0xee)
  const end = writer.writeQuoted(target, targetOffset, source, sourceOffset, sourceOffset + bytes.length)
  return end < 0 ? undefined : target.toString('latin1', targetOffset, end)
}

const ascii = (text: string) => Buffer.from(text, 'latin1')

describe('JsonStringWriter', () => {
  it.each([
    ['', '""'],
    ['plain', '"plain"'],
    ['a plain ascii line longer than a few words', '"a plain ascii line longer than a few words"'],
    ['"', '"\\""'],
    ['\\', '"\\\\"'],
    ['say "hi" \\ bye', '"say \\"hi\\" \\\\ bye"'],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['\u0000\u0001\u001f\u000b\u000e', '"\\u0000\\u0001\\u001f\\u000b\\u000e"'],
    ['\u007f and ~ stay', '"\u007f and ~ stay"'],
    ['{"ts":"2026-01-01T00:00:00.000Z","level":"info","seq":0}', '"{\\"ts\\":\\"2026-01-01T00:00:00.000Z\\",\\"level\\":\\"info\\",\\"seq\\":0}"'],
    ['0123456789abcdef"', '"0123456789abcdef\\""'],
    ['"0123456789abcdef', '"\\"0123456789abcdef"'],
    ['""""""""""""""""""""', '"' + '\\"'.repeat(20) + '"'],
    ['\n'.repeat(17), '"' + '\\n'.repeat(17) + '"'],
    ['\u0001'.repeat(18), '"' + '\\u0001'.repeat(18) + '"'],
  ])('escapes %j as %s', (input, expected) => {
    expect(quote(ascii(input))).toBe(expected)
  })

  it('gives up (-1) at the first byte >= 0x80, in the word scan and in the byte tail', () => {
    expect(quote(Buffer.from('héllo'))).toBeUndefined()
    expect(quote(Buffer.from('a long enough line to be scanned a word at a time: ✓'))).toBeUndefined()
    expect(quote(Buffer.from([0x80]))).toBeUndefined()
    expect(quote(Buffer.from([...Buffer.from('0123456789abcdefghij'), 0xff]))).toBeUndefined()
    expect(quote(Buffer.from([...Buffer.from('0123456789abcdefghij'), 0xc3, 0xa9, 0x41, 0x41]))).toBeUndefined()
  })

  it('matches JSON.stringify for every ASCII byte at every position of a word', () => {
    const writer = new JsonStringWriter()
    for (let b = 0; b < 0x80; b++) {
      for (let position = 0; position < 24; position++) {
        const bytes = Buffer.alloc(24, 0x61)
        bytes[position] = b
        const text = bytes.toString('latin1')
        expect(quote(bytes, writer, position % 5, position % 3)).toBe(JSON.stringify(text))
      }
    }
  })

  it('matches JSON.stringify on random ASCII, including runs of special bytes', () => {
    const writer = new JsonStringWriter()
    let state = 12345
    const next = () => (state = (Math.imul(state, 48271) + 11) & 0x7fffffff)
    const alphabet = ascii('abcXYZ019 {}:,"\\\n\t\u0000\u001f\u007f/')
    for (let n = 0; n < 2000; n++) {
      const bytes = Buffer.alloc(next() % 90)
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() % 4 === 0 ? next() % 0x80 : alphabet[next() % alphabet.length]
      expect(quote(bytes, writer, next() % 7, next() % 7)).toBe(JSON.stringify(bytes.toString('latin1')))
    }
  })

  it('never writes beyond maxQuotedLength bytes', () => {
    for (const input of ['"'.repeat(40), '\u0001'.repeat(40), 'x'.repeat(40), 'abc"\u0002'.repeat(9)]) {
      const bytes = ascii(input)
      const room = maxQuotedLength(bytes.length)
      const target = Buffer.alloc(room + 8, 0xee)
      const end = new JsonStringWriter().writeQuoted(target, 0, bytes, 0, bytes.length)
      expect(end).toBeLessThanOrEqual(room)
      expect(target.subarray(room).every((b) => b === 0xee)).toBe(true)
    }
  })
})
