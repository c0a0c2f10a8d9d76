import {createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'

// The comparator the build puts in place of localeCompare in the bundled oclif (scripts/bundle-oclif.mjs).
const compareIds = createRequire(import.meta.url)('../../../scripts/oclif/compare-ids.cjs') as (a: string, b: string) => number
const sign = (n: number) => Math.sign(n)
const PLAIN = '0123456789abcdefghijklmnopqrstuvwxyz:-'

describe('compareIds (oclif command-id sort in dist/oclif.js)', () => {
  it('orders every pair of plain characters as localeCompare does', () => {
    for (const a of PLAIN) for (const b of PLAIN) expect([a, b, sign(compareIds(a, b))]).toEqual([a, b, sign(a.localeCompare(b))])
  })

  it("sorts strom's command ids and random plain ids as localeCompare does", () => {
    const ids = ['bench:consume', 'bench:e2e', 'bench', 'bench-x', 'bench2', 'log:delete-records', 'log:dump', 'log-x:a', 'top', 'topic', 'topic:alter', '']
    for (const a of ids) for (const b of ids) expect([a, b, sign(compareIds(a, b))]).toEqual([a, b, sign(a.localeCompare(b))])
    let state = 7
    const next = () => (state = (Math.imul(state, 48271) + 11) & 0x7fffffff)
    const id = () => Array.from({length: next() % 9}, () => PLAIN[next() % PLAIN.length]).join('')
    for (let i = 0; i < 20000; i++) {
      const a = id()
      const b = next() % 2 === 0 ? a.slice(0, next() % (a.length + 1)) + id() : id()
      expect([a, b, sign(compareIds(a, b))]).toEqual([a, b, sign(a.localeCompare(b))])
    }
  })

  it('leaves other ids to localeCompare (case, other punctuation, non-ASCII)', () => {
    for (const [a, b] of [['a', 'B'], ['a_b', 'a-b'], ['a/b', 'a:b'], ['Topic', 'topic'], ['é', 'f']]) {
      expect(sign(compareIds(a, b))).toBe(sign(a.localeCompare(b)))
    }
  })
})
