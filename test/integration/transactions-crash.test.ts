/**
 * A transactional producer that dies or hangs mid-transaction, seen by read_committed readers
 * through the real CLI: its records never appear, and the partition's last stable offset moves
 * past them: at once when the producer is dead (its liveness lock is gone), after the transaction
 * timeout when it hangs (SIGSTOP). `strom log clean` then writes the ABORT markers.
 */
import {execa} from 'execa'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const FIXTURE = path.join(ROOT, 'test/fixtures/txn-producer.mjs')

async function committed(dir: string): Promise<string[]> {
  const read = await strom(dir, ['consume', 't', '--isolation-level', 'read_committed'])
  expect(read.exitCode, read.stderr).toBe(0)
  return read.stdout.split('\n').filter(Boolean)
}

function startProducer(dir: string, timeoutMs: number) {
  const child = execa('node', [FIXTURE, dir, 't', 'crashy', '100', String(timeoutMs)], {reject: false, buffer: false})
  const appended = new Promise<void>((resolve) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('appended') && resolve()))
  return {child, appended}
}

describe('a transactional producer that dies or hangs mid-transaction', () => {
  it('killed (SIGKILL): its records never become visible; records after it become visible at once; log clean writes the ABORT marker', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 't'])
    await strom(dir, ['produce', 't'], {input: 'before\n'})
    const {child, appended} = startProducer(dir, 600_000)
    await appended
    await strom(dir, ['produce', 't'], {input: 'after\n'})
    expect(await committed(dir)).toEqual(['before']) // the open transaction holds the last stable offset
    expect((await strom(dir, ['consume', 't'])).stdout.split('\n').filter(Boolean)).toHaveLength(102)
    child.kill('SIGKILL')
    await child
    expect(await committed(dir)).toEqual(['before', 'after'])
    const clean = await strom(dir, ['log', 'clean'])
    expect(clean.exitCode, clean.stderr).toBe(0)
    const dump = await strom(dir, ['log', 'dump', 't', '--json'])
    expect(dump.stdout).toMatch(/ABORT/)
    expect(await committed(dir)).toEqual(['before', 'after'])
    const verify = await strom(dir, ['log', 'verify'])
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
  }, 60_000)

  it('hung (SIGSTOP): the last stable offset waits for the transaction timeout, then moves on', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 't'])
    // 15 s: long enough that the first read below happens inside it even on a loaded machine.
    const {child, appended} = startProducer(dir, 15_000)
    await appended
    const startedMs = Date.now()
    child.kill('SIGSTOP')
    await strom(dir, ['produce', 't'], {input: 'after\n'})
    expect(await committed(dir)).toEqual([])
    expect(Date.now() - startedMs).toBeLessThan(15_000)
    await waitFor(async () => (await committed(dir)).length > 0, 40_000, 200)
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(14_000)
    expect(await committed(dir)).toEqual(['after'])
    child.kill('SIGKILL')
    await child
  }, 90_000)
})
