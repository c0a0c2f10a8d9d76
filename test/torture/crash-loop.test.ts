/**
 * Torture, part 1: producers appending with fsync per batch (--sync), killed with SIGKILL at random
 * moments. After each kill, recovery runs, `log verify` passes, and every message a producer was
 * told is written is present exactly once and in order.
 */
import path from 'node:path'
import {execa} from 'execa'
import {describe, expect, it} from 'vitest'
import {LogReader} from '../../src/core/consumer.js'
import {openLog} from '../../src/core/log.js'
import {partitionRefs} from '../../src/core/maintenance/partition-ref.js'
import {verifyPartition} from '../../src/core/maintenance/verify.js'
import {parseRange} from '../../src/core/offset-spec.js'
import {ROOT, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const ITERATIONS = 50
const PRODUCERS = 2
const FIXTURE = path.join(ROOT, 'test/torture/fixtures/acked-producer.mjs')

describe('torture: SIGKILL of --sync producers', () => {
  it(`${ITERATIONS} kills: the log verifies and every acknowledged message is there once, in order`, async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'k', '--config', 'segment.bytes=65536'])
    const acked = new Map<string, number>()
    let kills = 0
    let cliVerifies = 0
    let checked = 0
    const started = Date.now()
    for (let round = 0; round < ITERATIONS; round++) {
      const children = Array.from({length: PRODUCERS}, (_, p) => {
        const id = `r${round}p${p}`
        const child = execa('node', [FIXTURE, dir, 'k', id, '100000', String(1 + Math.floor(Math.random() * 20))], {reject: false, buffer: false})
        let last = 0
        child.stdout!.on('data', (chunk: Buffer) => {
          const numbers = chunk.toString().trim().split('\n').map(Number).filter(Number.isFinite)
          if (numbers.length > 0) last = Math.max(last, numbers.at(-1)!)
        })
        return {id, child, acked: () => last}
      })
      // Kill somewhere between the first appends and a few hundred milliseconds later: once every
      // producer has started appending (process start-up time varies with the machine's load), and
      // sometimes right away, before the others' first acknowledgement.
      if (Math.random() < 0.8) await waitFor(() => children.every((c) => c.acked() > 0), 30_000, 5)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 250))
      for (const c of children) c.child.kill('SIGKILL')
      for (const c of children) {
        await c.child
        acked.set(c.id, c.acked())
        kills++
      }
      const log = openLog({dir, onWarning: () => {}})
      const topic = log.topic('k')
      // The next writer recovers (cuts torn tails); readers never write.
      for (let p = 0; p < topic.partitions; p++) topic.writer(p).nextOffset()
      topic.close()
      const faults = partitionRefs(topic).flatMap((ref) => verifyPartition(ref).faults)
      expect(faults, `round ${round}`).toEqual([])
      if (round % 10 === 9) {
        const verify = await strom(dir, ['log', 'verify', 'k'])
        expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
        cliVerifies++
      }
      const seen = new Map<string, number>()
      await new LogReader([{topic, partition: 0}], {range: parseRange('beginning'), follow: false}).run((t, p, record) => {
        const [id, n] = record.value()!.toString().split('-')
        const expected = (seen.get(id) ?? 0) + 1
        if (Number(n) !== expected) throw new Error(`${id}: message ${n} where ${expected} was expected (a gap or a duplicate)`)
        seen.set(id, expected)
        checked++
      }, () => {})
      for (const [id, count] of acked) expect(seen.get(id) ?? 0, `${id} was told ${count} messages were written`).toBeGreaterThanOrEqual(count)
    }
    const totalAcked = [...acked.values()].reduce((a, b) => a + b, 0)
    process.stdout.write(`torture/crash-loop: ${ITERATIONS} iterations, ${kills} SIGKILLs injected, ${totalAcked} acknowledged messages, ${checked} message reads checked, ${cliVerifies} CLI verifies, ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
    expect(totalAcked).toBeGreaterThan(0)
  }, 300_000)
})
