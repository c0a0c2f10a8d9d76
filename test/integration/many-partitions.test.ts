import {describe, expect, it} from 'vitest'
import {sh, tmpLogDir} from '../helpers/strom.js'

// Issue #19: a process must not need an open file per partition. Every command runs under a
// soft limit of 256 open files, far below the 2,000 partitions it touches.
const limited = (dir: string, args: string) => `ulimit -n 256; exec $STROM ${args} --dir '${dir}'`

describe('many partitions under a low open-file limit', () => {
  it('produces to, consumes, verifies and group-consumes 2,000 partitions with ulimit -n 256', async () => {
    const dir = tmpLogDir()
    const created = await sh(limited(dir, 'topic create big -p 2000'))
    expect(created.stderr).toBe('')
    expect(created.exitCode).toBe(0)

    // Round-robin spreads the unkeyed lines over every partition: 10 each.
    const produced = await sh(`seq 1 20000 | (${limited(dir, 'produce big --partitioner round-robin')})`)
    expect(produced.stderr).toBe('')
    expect(produced.exitCode).toBe(0)

    const described = await sh(limited(dir, 'topic describe big --json'))
    expect(described.exitCode).toBe(0)
    const partitions = JSON.parse(described.stdout).partitions as Array<{endOffset: number}>
    expect(partitions).toHaveLength(2000)
    expect(partitions.every((p) => p.endOffset === 10)).toBe(true)

    const consumed = await sh(limited(dir, 'consume big'))
    expect(consumed.stderr).toBe('')
    expect(consumed.exitCode).toBe(0)
    const values = consumed.stdout.trim().split('\n').map(Number).sort((a, b) => a - b)
    expect(values).toEqual(Array.from({length: 20000}, (_, i) => i + 1))

    const verified = await sh(limited(dir, 'log verify big'))
    expect(verified.exitCode).toBe(0)
    expect(verified.stderr).toContain('verified 2000 partition(s), 2000 segment(s)')
    expect(verified.stderr).toContain('no faults')

    const grouped = await sh(limited(dir, 'consume big --group g'))
    expect(grouped.stderr).toBe('')
    expect(grouped.exitCode).toBe(0)
    expect(grouped.stdout.trim().split('\n')).toHaveLength(20000)
    // Everything was committed: the group has no lag, and a second read finds nothing new.
    const group = await sh(limited(dir, 'group describe g --json'))
    expect(group.exitCode).toBe(0)
    expect(JSON.parse(group.stdout).totalLag).toBe(0)
    const again = await sh(limited(dir, 'consume big --group g'))
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toBe('')
  }, 240_000)
})
