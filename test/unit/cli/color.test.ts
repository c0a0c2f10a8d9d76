import {describe, expect, it} from 'vitest'
import {colorLevel} from '../../../src/cli/color.js'

// A terminal as Node's tty.WriteStream answers (its depth from TERM), and a pipe.
const tty = (depth = 8) => ({isTTY: true, hasColors: (count = 16) => 2 ** depth >= count, getColorDepth: () => depth})
const pipe = {isTTY: false}

describe('colorLevel: one rule for every writer', () => {
  it('a terminal gets its depth; a pipe gets none', () => {
    expect(colorLevel(tty(8), {})).toBe(2)
    expect(colorLevel(tty(24), {})).toBe(3)
    expect(colorLevel(tty(4), {})).toBe(1)
    expect(colorLevel(tty(1), {})).toBe(0)
    expect(colorLevel(pipe, {})).toBe(0)
  })

  it('NO_COLOR, FORCE_COLOR=0 and TERM=dumb turn a terminal off', () => {
    expect(colorLevel(tty(), {NO_COLOR: '1'})).toBe(0)
    expect(colorLevel(tty(), {NO_COLOR: ''})).toBe(2)
    expect(colorLevel(tty(), {FORCE_COLOR: '0'})).toBe(0)
    expect(colorLevel(tty(), {FORCE_COLOR: 'false'})).toBe(0)
    expect(colorLevel(tty(), {TERM: 'dumb'})).toBe(0)
  })

  it('FORCE_COLOR colours a pipe, NO_COLOR still wins', () => {
    expect(colorLevel(pipe, {FORCE_COLOR: '1'})).toBe(1)
    expect(colorLevel(pipe, {FORCE_COLOR: ''})).toBe(1)
    expect(colorLevel(pipe, {FORCE_COLOR: '3'})).toBe(3)
    expect(colorLevel(pipe, {FORCE_COLOR: '1', NO_COLOR: '1'})).toBe(0)
  })
})
