import {describe, expect, it} from 'vitest'
import {sh, strom, tmpLogDir} from '../helpers/strom.js'

describe('many processes, one directory', () => {
  it('4 producers x 50,000 messages into one partition: exactly 200,000, contiguous offsets, each order kept', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'shared', '--config', 'segment.bytes=1048576'])
    const producers = [0, 1, 2, 3].map((p) =>
      sh(`seq 1 50000 | sed 's/^/p${p}-/' | $STROM produce shared --batch-size 4096 --dir ${dir}`),
    )
    const results = await Promise.all(producers)
    for (const result of results) expect(result.exitCode, result.stderr).toBe(0)
    const out = await strom(dir, ['consume', 'shared', '-F', '%o %v\\n'])
    const rows = out.stdout.trim().split('\n')
    expect(rows).toHaveLength(200_000)
    const next = [1, 1, 1, 1]
    rows.forEach((row, i) => {
      const [offset, value] = row.split(' ')
      expect(Number(offset)).toBe(i)
      const [producer, n] = value.slice(1).split('-').map(Number)
      expect(n).toBe(next[producer])
      next[producer]++
    })
    expect(next).toEqual([50001, 50001, 50001, 50001])
    // Indexes written by four interleaved writers (with four clocks) must still be true.
    const verified = await strom(dir, ['log', 'verify', 'shared'])
    expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0)
  })

  it('concurrent topic creation: one wins, the others get a clear error', async () => {
    const dir = tmpLogDir()
    const results = await Promise.all([1, 2, 3, 4].map(() => strom(dir, ['topic', 'create', 'race', '--partitions', '3'])))
    expect(results.filter((r) => r.exitCode === 0)).toHaveLength(1)
    for (const r of results.filter((r) => r.exitCode !== 0)) expect(r.stderr).toMatch(/already exists/)
  })
})
