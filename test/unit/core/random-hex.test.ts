import {describe, expect, it} from 'vitest'
import {randomHex} from '../../../src/core/io/random-hex.js'

describe('randomHex', () => {
  it('gives two lowercase hex digits per byte, different from call to call', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const hex = randomHex(4)
      expect(hex).toMatch(/^[0-9a-f]{8}$/)
      seen.add(hex)
    }
    expect(seen.size).toBeGreaterThan(990)
    expect(randomHex(0)).toBe('')
    expect(randomHex(8)).toHaveLength(16)
  })
})
