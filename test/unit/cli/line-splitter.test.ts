import {describe, expect, it} from 'vitest'
import {DelimitedSplitter} from '../../../src/cli/line-splitter.js'

/** Messages as pushRun gives them (runs split at the delimiter here), in order. */
function viaRuns(chunks: string[], delimiter = '\n'): string[] {
  const splitter = new DelimitedSplitter(Buffer.from(delimiter))
  const out: string[] = []
  const onMessage = (buf: Buffer, start: number, end: number) => out.push('m:' + buf.toString('latin1', start, end))
  const onRun = (buf: Buffer, start: number, end: number) => {
    expect(buf[end - 1]).toBe(delimiter.charCodeAt(0)) // a run ends with the delimiter
    for (const message of buf.toString('latin1', start, end - 1).split(delimiter)) out.push('r:' + message)
  }
  for (const chunk of chunks) splitter.pushRun(Buffer.from(chunk, 'latin1'), onMessage, onRun)
  splitter.end(onMessage)
  return out
}

function viaPush(chunks: string[], delimiter = '\n'): string[] {
  const splitter = new DelimitedSplitter(Buffer.from(delimiter))
  const out: string[] = []
  const onMessage = (buf: Buffer, start: number, end: number) => out.push(buf.toString('latin1', start, end))
  for (const chunk of chunks) splitter.push(Buffer.from(chunk, 'latin1'), onMessage)
  splitter.end(onMessage)
  return out
}

describe('DelimitedSplitter.pushRun', () => {
  it('hands whole messages over as one run and carries the rest', () => {
    expect(viaRuns(['a\nbb\ncc', 'c\n\nd'])).toEqual(['r:a', 'r:bb', 'm:ccc', 'r:', 'm:d'])
  })

  it('joins a message longer than a chunk across several chunks', () => {
    const long = 'x'.repeat(70_000)
    expect(viaRuns(['head\n' + long.slice(0, 30_000), long.slice(30_000, 65_536), long.slice(65_536) + '\ntail'])).toEqual(['r:head', 'm:' + long, 'm:tail'])
  })

  it('keeps CR and empty messages as they are', () => {
    expect(viaRuns(['a\r\n\r\n\n', 'b\r\n'])).toEqual(['r:a\r', 'r:\r', 'r:', 'r:b\r'])
  })

  it('gives the same messages as push for every way of cutting the input', () => {
    const input = 'one\ntwo\n\nthree four\nfive\n\n\nsix'
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b += 3) {
        const chunks = [input.slice(0, a), input.slice(a, b), input.slice(b)]
        expect(viaRuns(chunks).map((m) => m.slice(2))).toEqual(viaPush(chunks))
      }
    }
  })

  it('refuses a delimiter of several bytes (push handles those)', () => {
    const splitter = new DelimitedSplitter(Buffer.from('\r\n'))
    expect(() => splitter.pushRun(Buffer.from('a\r\n'), () => undefined, () => undefined)).toThrow(/one-byte/)
  })
})
