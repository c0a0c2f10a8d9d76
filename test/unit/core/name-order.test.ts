import {describe, expect, it} from 'vitest'
import {compareNames} from '../../../src/core/groups/name-order.js'

const sign = (n: number) => Math.sign(n)
const PLAIN = '0123456789abcdefghijklmnopqrstuvwxyz.-'

describe('compareNames', () => {
  it('orders every pair of plain characters as localeCompare does', () => {
    for (const a of PLAIN) for (const b of PLAIN) expect([a, b, sign(compareNames(a, b))]).toEqual([a, b, sign(a.localeCompare(b))])
  })

  it('orders member ids and random plain names as localeCompare does', () => {
    const ids = ['host-999-0a1b2c3d', 'host-1000-0a1b2c3d', 'host-1000-ffffffff', 'host.local-7-00000000', 'host-7-00000000', 'h-1-a', 'h1-1-a', 'h-10-a', 'a', 'a-b', 'ab', 'a.b', '']
    for (const a of ids) for (const b of ids) expect([a, b, sign(compareNames(a, b))]).toEqual([a, b, sign(a.localeCompare(b))])
    let state = 99
    const next = () => (state = (Math.imul(state, 48271) + 11) & 0x7fffffff)
    const name = () => Array.from({length: next() % 9}, () => PLAIN[next() % PLAIN.length]).join('')
    for (let i = 0; i < 20000; i++) {
      const a = name()
      const b = next() % 2 === 0 ? a.slice(0, next() % (a.length + 1)) + name() : name()
      expect([a, b, sign(compareNames(a, b))]).toEqual([a, b, sign(a.localeCompare(b))])
    }
  })

  it('leaves other names to localeCompare (case, underscores, non-ASCII)', () => {
    for (const [a, b] of [['a', 'B'], ['B', 'a'], ['a_b', 'a-b'], ['Topic', 'topic'], ['é', 'f'], ['Z', 'a']]) {
      expect(sign(compareNames(a, b))).toBe(sign(a.localeCompare(b)))
    }
    expect(sign(compareNames('a', 'B'))).toBe(-1) // code units would say 'B' < 'a'
  })
})
