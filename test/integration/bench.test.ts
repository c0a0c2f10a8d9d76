import {describe, expect, it} from 'vitest'
import {execa} from 'execa'
import {BIN, spawnStrom, strom, tmpLogDir} from '../helpers/strom.js'
import {startServe} from './serve-harness.js'

// A smoke test of the benchmark commands with tiny counts: figures are measured by `npm run bench`, not here.
describe('strom bench', () => {
  it('produce, consume and e2e report their figures as JSON', async () => {
    const dir = tmpLogDir()
    const produced = JSON.parse((await strom(dir, ['bench', 'produce', '--topic', 'perf', '--records', '5000', '--record-size', '50', '--partitions', '2', '--keys', '10', '--json'])).stdout)
    expect(produced.records).toBe(5000)
    expect(produced.recordsPerSecond).toBeGreaterThan(0)
    expect(produced.batchLatency.p99Ms).toBeGreaterThanOrEqual(produced.batchLatency.p50Ms)
    const consumed = JSON.parse((await strom(dir, ['bench', 'consume', '--topic', 'perf', '--json'])).stdout)
    expect(consumed.records).toBe(5000)
    const grouped = JSON.parse((await strom(dir, ['bench', 'consume', '--topic', 'perf', '--group', 'g', '--json'])).stdout)
    expect(grouped.records).toBe(5000)
    const e2e = JSON.parse((await strom(dir, ['bench', 'e2e', '--rate', '200', '--seconds', '1', '--json'])).stdout)
    expect(e2e.count).toBe(200)
    expect(e2e.p50Ms).toBeGreaterThan(0)
    expect(e2e.p999Ms).toBeGreaterThanOrEqual(e2e.p99Ms)
  }, 60_000)

  // npm run bench compares strom with Kafka this way: the same two processes, speaking Kafka.
  it('bench e2e measures through a Kafka server with --bootstrap-server', async () => {
    const serve = await startServe(tmpLogDir())
    try {
      const {stdout} = await execa('node', [BIN, 'bench', 'e2e', '--rate', '200', '--seconds', '1', '--acks', '1', '--json', '--bootstrap-server', serve.bootstrap], {env: {NO_COLOR: '1'}})
      const e2e = JSON.parse(stdout)
      expect(e2e.count).toBe(200)
      expect(e2e.p50Ms).toBeGreaterThan(0)
      expect(e2e.p999Ms).toBeGreaterThanOrEqual(e2e.p99Ms)
    } finally {
      await serve.stop()
    }
  }, 60_000)

  it('bench e2e exits right after printing its result', async () => {
    const dir = tmpLogDir()
    const child = spawnStrom(dir, ['bench', 'e2e', '--rate', '200', '--seconds', '1'])
    let resultAt: number | undefined
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (resultAt === undefined && /latency avg/.test(out)) resultAt = Date.now()
    })
    const {exitCode} = await child
    const exitedAt = Date.now()
    expect(exitCode).toBe(0)
    expect(resultAt).toBeDefined()
    expect(exitedAt - resultAt!).toBeLessThan(2000)
  }, 60_000)
})
