import {describe, expect, it} from 'vitest'
import {sh, strom, tmpLogDir} from '../helpers/strom.js'

// Batches of ~130 KiB straddle the 1 MiB read windows of scans, verify and compaction.
describe('large batches across read windows', () => {
  it('verify finds no fault in a healthy multi-megabyte log, and compaction keeps the right values', async () => {
    const dir = tmpLogDir()
    expect((await sh(`seq 1 400000 | $STROM produce big --create --partitions 2 --dir ${dir}`)).exitCode).toBe(0)
    const verified = await strom(dir, ['log', 'verify'])
    expect(verified.stdout + verified.stderr).toMatch(/no faults/)
    expect(verified.exitCode).toBe(0)

    await strom(dir, ['topic', 'create', 'kv', '--config', 'cleanup.policy=compact'])
    expect((await sh(`seq 1 300000 | awk '{print "k" ($1 % 1000) ":" $1}' | $STROM produce kv -K: --dir ${dir}`)).exitCode).toBe(0)
    expect((await strom(dir, ['log', 'compact', 'kv'])).exitCode).toBe(0)
    const out = await strom(dir, ['consume', 'kv', '-F', '%k=%v\\n'])
    const latest = new Map(out.stdout.trim().split('\n').map((line) => line.split('=') as [string, string]))
    expect(latest.size).toBe(1000)
    for (const [key, value] of latest) expect(Number(value) % 1000).toBe(Number(key.slice(1)))
    for (const value of latest.values()) expect(Number(value)).toBeGreaterThan(299000)
    expect((await strom(dir, ['log', 'verify'])).exitCode).toBe(0)
  }, 60_000)
})
