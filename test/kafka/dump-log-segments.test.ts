/**
 * Kafka's own code reads strom's files: DumpLogSegments (`--deep-iteration`, and
 * `--verify-index-only` on `.index`/`.timeindex`) over every segment and index strom writes, after
 * plain produce, compaction, retention, recovery from torn writes, `kill -9` of producers, and
 * `log repair`. "Segments are Kafka RecordBatch v2, byte for byte" is checked here by Kafka.
 */
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, strom, tmpLogDir, waitFor} from '../helpers/strom.js'
import {kafkaTool} from '../helpers/real-kafka.js'

/** DumpLogSegments is kafka.tools.DumpLogSegments up to Kafka 4.2, org.apache.kafka.tools.DumpLogSegments from 4.3. */
const DUMP = 'kafka.tools.DumpLogSegments'

/** Lines of DumpLogSegments' output that report a fault (its own wording, Kafka 4.x). */
const FAULT = /Exception|isvalid: false|[Mm]ismatch|not found in the log|out of order|[Cc]orrupt|is not a valid|Error/

function segmentFiles(logDir: string, topic: string): {logs: string[]; indexes: string[]} {
  const logs: string[] = []
  const indexes: string[] = []
  const topicDir = path.join(logDir, 'topics', topic)
  for (const partition of fs.readdirSync(topicDir).filter((name) => /^\d+$/.test(name))) {
    for (const name of fs.readdirSync(path.join(topicDir, partition)).sort()) {
      const file = path.join(topicDir, partition, name)
      if (name.endsWith('.log')) logs.push(file)
      else if (name.endsWith('.index') || name.endsWith('.timeindex')) indexes.push(file)
    }
  }
  return {logs, indexes}
}

/** Runs DumpLogSegments over a topic's files; returns the record count Kafka saw. */
async function kafkaReads(logDir: string, topic: string): Promise<number> {
  const {logs, indexes} = segmentFiles(logDir, topic)
  expect(logs.length).toBeGreaterThan(0)
  const deep = await kafkaTool(DUMP, ['--files', [...logs, ...indexes].join(','), '--deep-iteration'])
  expect(deep.exitCode, deep.stderr).toBe(0)
  const faults = (deep.stdout + deep.stderr).split('\n').filter((line) => FAULT.test(line))
  expect(faults, 'DumpLogSegments --deep-iteration').toEqual([])
  // Every .log was dumped (a file Kafka could not open would be missing here).
  for (const log of logs) expect(deep.stdout).toContain(`Dumping ${log}`)
  const verified = await kafkaTool(DUMP, ['--files', indexes.join(','), '--verify-index-only'])
  expect(verified.exitCode, verified.stderr).toBe(0)
  expect((verified.stdout + verified.stderr).split('\n').filter((line) => FAULT.test(line)), 'DumpLogSegments --verify-index-only').toEqual([])
  return [...deep.stdout.matchAll(/^\| offset: \d+/gm)].length
}

async function messagesOf(dir: string, topic: string): Promise<number> {
  const result = await strom(dir, ['consume', topic, '-F', '.'])
  expect(result.exitCode, result.stderr).toBe(0)
  return result.stdout.length
}

function keyedLines(count: number, keys: number, from = 0): string {
  let out = ''
  for (let i = from; i < from + count; i++) out += `key-${i % keys}:value ${i} ${'x'.repeat(i % 50)}\n`
  return out
}

describe("Kafka's DumpLogSegments reads what strom writes", () => {
  it('keyed records with headers over many small segments, with dense indexes', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 'plain', '-p', '2', '-c', 'segment.bytes=65536', '-c', 'index.interval.bytes=512'])).exitCode).toBe(0)
    for (let round = 0; round < 5; round++) {
      const produced = await strom(dir, ['produce', 'plain', '-K:', '-H', 'source=test', '-H', `round=${round}`, '--batch-size', '8192'], {input: keyedLines(4000, 97, round * 4000)})
      expect(produced.exitCode, produced.stderr).toBe(0)
    }
    expect(segmentFiles(dir, 'plain').logs.length).toBeGreaterThan(10)
    expect(await kafkaReads(dir, 'plain')).toBe(20_000)
  }, 600_000)

  it('after compaction (tombstones included) and after retention', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 'compacted', '-c', 'cleanup.policy=compact', '-c', 'segment.bytes=16384', '-c', 'index.interval.bytes=256', '-c', 'min.cleanable.dirty.ratio=0.01', '-c', 'delete.retention.ms=0'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'compacted', '-K:', '--batch-size', '2048'], {input: keyedLines(6000, 50)})).exitCode).toBe(0)
    // Tombstones for ten keys (-Z: an empty value is null).
    expect((await strom(dir, ['produce', 'compacted', '-K:', '-Z'], {input: Array.from({length: 10}, (_, i) => `key-${i}:`).join('\n') + '\n'})).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'compacted', '-K:', '--batch-size', '2048'], {input: keyedLines(3000, 50, 6000)})).exitCode).toBe(0)
    const compacted = await strom(dir, ['log', 'compact', 'compacted'])
    expect(compacted.exitCode, compacted.stderr).toBe(0)
    const left = await messagesOf(dir, 'compacted')
    expect(left).toBeLessThan(9010)
    expect(await kafkaReads(dir, 'compacted')).toBe(left)

    expect((await strom(dir, ['topic', 'create', 'retained', '-c', 'segment.bytes=8192', '-c', 'retention.bytes=40000', '-c', 'index.interval.bytes=256'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'retained', '--batch-size', '1024'], {input: keyedLines(5000, 1000)})).exitCode).toBe(0)
    expect((await strom(dir, ['log', 'clean', 'retained'])).exitCode).toBe(0)
    const kept = await messagesOf(dir, 'retained')
    expect(kept).toBeLessThan(5000)
    expect(await kafkaReads(dir, 'retained')).toBe(kept)
  }, 600_000)

  it('after recovery from a torn write, after kill -9 of producers, and after log repair', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 'crashy', '-c', 'segment.bytes=32768', '-c', 'index.interval.bytes=512'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'crashy', '--batch-size', '4096'], {input: keyedLines(2000, 10)})).exitCode).toBe(0)
    // A torn tail: half a batch header at the end of the active segment, cut by the next writer.
    const {logs} = segmentFiles(dir, 'crashy')
    fs.appendFileSync(logs[logs.length - 1], Buffer.alloc(30, 7))
    expect((await strom(dir, ['produce', 'crashy', 'after-torn'])).exitCode).toBe(0)

    // Producers killed at random points of a large input, then one more append.
    for (let round = 0; round < 5; round++) {
      const child = execa('node', [BIN, 'produce', 'crashy', '--batch-size', '4096', '--dir', dir], {env: {NO_COLOR: '1'}, reject: false})
      const big = keyedLines(200_000, 10)
      child.stdin!.write(big)
      await waitFor(() => segmentFiles(dir, 'crashy').logs.length > 2 + round, 30_000, 5)
      child.kill('SIGKILL')
      await child
    }
    expect((await strom(dir, ['produce', 'crashy', 'after-kills'])).exitCode).toBe(0)

    // log repair over a segment whose tail was damaged.
    const repairTarget = segmentFiles(dir, 'crashy').logs.at(-1)!
    const size = fs.statSync(repairTarget).size
    const fd = fs.openSync(repairTarget, 'r+')
    fs.writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4, size - 6)
    fs.closeSync(fd)
    const repaired = await strom(dir, ['log', 'repair', 'crashy', '--yes'])
    expect(repaired.exitCode, repaired.stderr).toBe(0)
    expect((await strom(dir, ['log', 'verify', 'crashy'])).exitCode).toBe(0)
    expect(await kafkaReads(dir, 'crashy')).toBe(await messagesOf(dir, 'crashy'))
  }, 600_000)
})
