/**
 * Two `strom serve` processes on different ports, one directory, both taking produce traffic
 * from kcat at the same time: appends from both go through the partitions' write locks, so the log
 * verifies clean and holds every acknowledged message exactly once.
 */
import {expect, it} from 'vitest'
import {strom, tmpLogDir} from '../helpers/strom.js'
import {KCAT, describeWithClients, kcat, startServe} from './serve-harness.js'

const PRODUCERS_PER_SERVER = 2
const MESSAGES = 20_000

describeWithClients('two strom serve processes on one directory', [KCAT], () => {
  it('concurrent kcat producers through both leave a clean log with every acknowledged message exactly once', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'shared', '--partitions', '3'])
    const servers = await Promise.all([startServe(dir, ['--quiet']), startServe(dir, ['--quiet'])])
    const expected: string[] = []
    try {
      const producers = servers.flatMap((serve, s) =>
        Array.from({length: PRODUCERS_PER_SERVER}, (_, p) => {
          const lines = Array.from({length: MESSAGES}, (_, i) => `server${s}-producer${p}-message${i}`)
          expected.push(...lines)
          // Small batches, so the two servers' appends interleave batch by batch.
          return kcat(['-b', serve.bootstrap, '-P', '-t', 'shared', '-X', 'batch.num.messages=50', '-X', 'queue.buffering.max.ms=1'], lines.join('\n') + '\n', 60_000)
        }),
      )
      const results = await Promise.all(producers)
      for (const result of results) {
        expect(result.exitCode, result.stderr).toBe(0)
        expect(result.stderr).not.toMatch(/fail|error/i)
      }
    } finally {
      await Promise.all(servers.map((serve) => serve.stop()))
    }
    const verify = await strom(dir, ['log', 'verify'])
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
    const consumed = (await strom(dir, ['consume', 'shared'])).stdout.split('\n').filter((line) => line !== '')
    expect(consumed.length).toBe(expected.length)
    expect(new Set(consumed).size).toBe(expected.length)
    expect([...consumed].sort()).toEqual([...expected].sort())
    const describe = JSON.parse((await strom(dir, ['topic', 'describe', 'shared', '--json'])).stdout) as {partitions: Array<{endOffset: number}>}
    console.log(`two servers: ${expected.length} messages from ${2 * PRODUCERS_PER_SERVER} kcat producers, per partition ${describe.partitions.map((p) => p.endOffset).join('/')}`)
    expect(describe.partitions.every((p) => p.endOffset > 0)).toBe(true)
  })
})
