import {execFile} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../helpers/strom.js'

const run = promisify(execFile)

// `npm run bench` itself, with tiny sizes and no peers: that the whole suite runs to the end and
// writes every row of its table (the figures are measured by `npm run bench`, not here). The Kafka
// rows are skipped by BENCH_KAFKA=0: they start a JVM broker and a dozen JVM tool runs (minutes,
// even tiny); `node bench/kafka.mjs` with BENCH_LINES=20000 runs them alone.
describe('the benchmark suite (bench/run.mjs)', () => {
  it('runs every case small and writes the table to the results file', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'strom-bench-suite-'))
    const results = path.join(data, 'RESULTS.md')
    const env = {
      ...process.env,
      BENCH_DATA: data,
      BENCH_RESULTS: results,
      BENCH_LINES: '5000',
      BENCH_RUNS: '1',
      BENCH_STARTUP_RUNS: '3',
      BENCH_E2E_SECONDS: '1',
      BENCH_BIG_BYTES: '5000000',
      BENCH_PEERS: '0',
      BENCH_KAFKA: '0',
      BENCH_HISTORY_BYTES: '2000000',
      BENCH_HISTORY_SEGMENTS: '200',
      BENCH_HISTORY_PARTITIONS: '200',
      BENCH_HISTORY_KEYED_BYTES: '1000000',
      BENCH_HISTORY_COMPACT_BYTES: '2000000',
      BENCH_HISTORY_PROBE_SECONDS: '1',
      BENCH_HISTORY_RUNS: '1',
    }
    try {
      const {stdout} = await run(process.execPath, [path.join(ROOT, 'bench', 'run.mjs')], {env, maxBuffer: 1 << 24})
      const table = fs.readFileSync(results, 'utf8')
      expect(stdout).toBe(table)
      const rate = /\| \d+(\.\d+)?[kM]? \(/
      for (const name of ['strom `produce` 1M unkeyed', 'strom `produce -K:`', 'strom `produce --sync`', 'strom `consume` 1M', 'strom `consume --json`', 'strom 3 group members', 'node: stdin chunk']) {
        const row = table.split('\n').find((line) => line.includes(name))
        expect(row, name).toBeDefined()
        expect(row, name).toMatch(rate)
      }
      expect(table).toMatch(/end to end at 1,000 msgs\/s .*\| p50 [\d.]+ ms, p99 [\d.]+ ms/)
      expect(table).toMatch(/`strom produce t hello` as a whole process \| median \d+ ms/)
      expect(table).toMatch(/peak RSS, `produce` of .* \| \d+ MB/)
      expect(table).toMatch(/peak RSS, `consume` of .* \| \d+ MB/)
      expect(table).toMatch(/`topic list`, 1,001 topics .*\| median \d+ ms of 5/)
      expect(table).toMatch(/`group describe`, a group on 1,000 partitions \| median \d+ ms of 5/)
      // The history rows: each with its figure and a verdict against its target.
      for (const pattern of [
        /`produce` of [\d.]+ GB \(1 partition\) into 1 MiB segments \([\d,]+ segments\) against the default size \(1\) \| [\d.]+[kM]? \(.*\) against .* msgs\/s: [\d.]+× \| ≥ 0.8× \| (met|missed) \|/,
        /`consume -n 1` on a partition of [\d,]+ segments against the same data in 1 segment \| [\d.]+ ms .*: [\d.]+× \| ≤ 1.5× \| (met|missed) \|/,
        /produce and consume, 200 partitions, under `ulimit -n 1024` \| produce [\d.]+ s, consume [\d.]+ s, 2,000 of 2,000 messages back \| works \| met \|/,
        /keyed `produce -K:` of \d+ MB into 1 MiB segments, compacted topic against a delete topic \| .* msgs\/s: [\d.]+× \| ≥ 0.8× \| (met|missed) \|/,
        /another client's produce round trip .* through `strom serve` while \d+ MB are compacted .* \| p99 [\d.]+ ms .* against [\d.]+ ms .*idle .*: [\d.]+× \([\d.]+×–[\d.]+×\) \| ≤ 2× \| (met|missed) \|/,
      ]) expect(table).toMatch(pattern)
      expect(table).toContain('peers skipped (BENCH_PEERS=0)')
      expect(table).toContain('Kafka rows skipped: BENCH_KAFKA=0')
      expect(table).toMatch(/strom `produce` on a directory vs `kcat -P` into the Kafka broker .*\| – \(no Kafka rows\)/)
    } finally {
      fs.rmSync(data, {recursive: true, force: true})
    }
  }, 240_000)
})
