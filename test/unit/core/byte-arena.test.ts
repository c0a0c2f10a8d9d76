import {describe, expect, it} from 'vitest'
import {ByteArena, STAGING_BYTES} from '../../../src/core/format/byte-arena.js'

describe('ByteArena', () => {
  it('carves disjoint regions of one ArrayBuffer and says where each starts', () => {
    const arena = new ByteArena(300)
    const a = arena.carve(100)!
    const b = arena.carve(200)!
    expect(a.buffer).toBe(b.buffer)
    expect(arena.positionOf(a)).toBe(STAGING_BYTES)
    expect(arena.positionOf(b)).toBe(STAGING_BYTES + 100)
    expect(arena.carve(1)).toBeUndefined()
    expect(arena.positionOf(Buffer.alloc(10))).toBe(-1)
    b[0] = 7
    expect(arena.bytes[STAGING_BYTES + 100]).toBe(7)
  })

  it('locates a declared source in the arena where it lies, and only the declared one', () => {
    const arena = new ByteArena(1000)
    const input = arena.carve(1000)!
    input.write('hello world', 10, 'latin1')
    const chunk = input.subarray(10, 21)
    arena.useSource(chunk)
    expect(arena.locate(chunk)).toBe(STAGING_BYTES + 10)
    expect(arena.bytes.toString('latin1', arena.locate(chunk), arena.locate(chunk) + 5)).toBe('hello')
    expect(arena.locate(input.subarray(10, 21))).toBe(-1) // another view, not declared
    arena.useSource(undefined)
    expect(arena.locate(chunk)).toBe(-1)
  })

  it('copies a source from other memory into its staging area, again at each declaration', () => {
    const arena = new ByteArena(0)
    const chunk = Buffer.from('first chunk')
    arena.useSource(chunk)
    const at = arena.locate(chunk)
    expect(at).toBeGreaterThanOrEqual(0)
    expect(arena.bytes.toString('latin1', at, at + chunk.length)).toBe('first chunk')
    chunk.write('other bytes') // a reused read buffer: declaring it again must not keep the old copy
    arena.useSource(chunk)
    expect(arena.bytes.toString('latin1', arena.locate(chunk), arena.locate(chunk) + chunk.length)).toBe('other bytes')
    const big = Buffer.alloc(STAGING_BYTES + 1)
    arena.useSource(big)
    expect(arena.locate(big)).toBe(-1) // too large to stage: copied record by record instead
  })
})
