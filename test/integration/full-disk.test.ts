/**
 * A full disk (2 MiB: a tmpfs when the test may mount one, else the LD_PRELOAD ENOSPC shim, see
 * test/helpers/full-disk.ts): a failed produce says exactly which input lines were written, the log
 * holds exactly those, once each, and a retry of the rest duplicates nothing.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {LOG_OVERHEAD, decodeBatch} from '../../src/core/format/record-batch.js'
import {type FullDisk, openFullDisk} from '../helpers/full-disk.js'
import {sh, strom, tmpLogDir} from '../helpers/strom.js'

const MIB = 1024 * 1024
let disk: FullDisk

beforeAll(() => {
  disk = openFullDisk(2 * MIB)
})

// Each test starts on an empty 2 MiB disk, whatever an earlier (failed) test left behind.
beforeEach(() => {
  for (const name of fs.readdirSync(disk.dir)) fs.rmSync(path.join(disk.dir, name), {recursive: true, force: true})
  disk.resize(2 * MIB)
})

afterAll(() => {
  disk?.close()
})

/** The numbered lines from..to (inclusive), each padded to a length varying with `seed`. */
function numbered(from: number, to: number, seed = 0): string {
  let out = ''
  for (let i = from; i <= to; i++) out += `${i} ${'x'.repeat((i * 7 + seed) % 23)}\n`
  return out
}

/** The input line numbers a failed produce says it wrote: "input lines 1–N were written" (0: none). */
function reportedWritten(stderr: string): number {
  const text = stderr.replace(/\s*›\s*/g, ' ')
  if (/no input line was written; input line 1 and after were not/.test(text)) return 0
  const one = /input line 1 was written; input line 2 and after were not/.exec(text)
  if (one !== null) return 1
  const match = /input lines 1–(\d+) were written; input line (\d+) and after were not/.exec(text)
  if (match === null) throw new Error(`no exact report of the lines written in: ${text}`)
  expect(Number(match[2])).toBe(Number(match[1]) + 1)
  return Number(match[1])
}

/**
 * Every message's number in the topic (all partitions), sorted; read from the segment files here,
 * not through `strom consume` (a process per check would make the torture loop slow), and every
 * batch must be whole (a failed append leaves no partial batch behind).
 */
function numbersInLog(dir: string, topic: string): number[] {
  const numbers: number[] = []
  const topicDir = path.join(dir, 'topics', topic)
  for (const partition of fs.readdirSync(topicDir).filter((name) => /^\d+$/.test(name))) {
    const partitionDir = path.join(topicDir, partition)
    for (const segment of fs.readdirSync(partitionDir).filter((name) => name.endsWith('.log')).sort()) {
      const data = fs.readFileSync(path.join(partitionDir, segment))
      let at = 0
      while (at < data.length) {
        expect(data.length - at).toBeGreaterThanOrEqual(LOG_OVERHEAD)
        const end = at + LOG_OVERHEAD + data.readInt32BE(at + 8)
        expect(end).toBeLessThanOrEqual(data.length)
        for (const record of decodeBatch(data, at).records) numbers.push(Number(String(record.value).split(' ')[0]))
        at = end
      }
    }
  }
  return numbers.sort((a, b) => a - b)
}

function range(from: number, to: number): number[] {
  return Array.from({length: Math.max(0, to - from + 1)}, (_, i) => from + i)
}

describe.skipIf(process.platform !== 'linux')('produce on a full disk', () => {
  it('reports exactly the lines written, the log holds them once each, and a retry of the rest adds no duplicate', async () => {
    const dir = path.join(disk.dir, 'exact')
    const total = 120_000
    const first = await strom(dir, ['produce', 't', '--create'], {input: numbered(1, total), env: disk.env()})
    expect(first.exitCode).toBe(1)
    expect(first.stderr).toContain('ENOSPC')
    const written = reportedWritten(first.stderr)
    expect(written).toBeGreaterThan(0)
    expect(numbersInLog(dir, 't')).toEqual(range(1, written))

    // Retries on the still-full disk: what each reports written is there once, nothing else.
    let done = written
    for (let retry = 0; retry < 3; retry++) {
      const again = await strom(dir, ['produce', 't'], {input: numbered(done + 1, total), env: disk.env()})
      if (again.exitCode === 0) {
        done = total
        break
      }
      done += reportedWritten(again.stderr)
      expect(numbersInLog(dir, 't')).toEqual(range(1, done))
    }
    // With room again, the rest goes in; still once each.
    disk.resize(16 * MIB)
    const last = await strom(dir, ['produce', 't'], {input: numbered(done + 1, total), env: disk.env()})
    expect(last.stderr).toBe('')
    expect(last.exitCode).toBe(0)
    expect(numbersInLog(dir, 't')).toEqual(range(1, total))
    fs.rmSync(dir, {recursive: true, force: true})
    disk.resize(2 * MIB)
  })

  it('a single message on a disk filled to the last byte: exit 0 means written once, exit 1 means not written', async () => {
    const dir = path.join(disk.dir, 'single')
    expect((await strom(dir, ['produce', 't', '--create'], {input: numbered(1, 20_000), env: disk.env()})).exitCode).toBe(0)
    const filler = path.join(disk.dir, 'filler')
    // Fill what is left: bytes first, then the last partial page.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096'], {stdio: 'pipe', env: {...process.env, ...disk.env()}})
    } catch {
      // dd ends with ENOSPC, as intended
    }
    const expected = range(1, 20_000)
    for (let i = 1; i <= 6; i++) {
      const n = 20_000 + i
      const result = await strom(dir, ['produce', 't'], {input: `${n} ${'y'.repeat(300)}\n`, env: disk.env()})
      if (result.exitCode === 0) expected.push(n)
      else expect(result.stderr).toMatch(/no input line was written/)
      expect(numbersInLog(dir, 't')).toEqual(expected)
    }
    fs.rmSync(filler)
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('torture: 20 runs into a full disk lose and double nothing that was reported written', async () => {
    const figures = {runs: 0, lines: 0, written: 0, lost: 0, duplicated: 0, extra: 0}
    // A 1 MiB disk and the input from a file keep each run to one short process.
    disk.resize(MIB)
    const inputFile = path.join(tmpLogDir('strom-enospc-input-'), 'input')
    for (let run = 0; run < 20; run++) {
      const dir = path.join(disk.dir, `torture-${run}`)
      // Vary where the disk fills: a filler file, batch sizes and partitions (unkeyed, sticky).
      const filler = path.join(disk.dir, 'filler')
      fs.writeFileSync(filler, Buffer.alloc(((run * 37_813) % 350) * 1024))
      const total = 45_000 + run * 500
      fs.writeFileSync(inputFile, numbered(1, total, run))
      const batch = [4096, 16_384, 65_536, 262_144][run % 4]
      const partitions = 1 + (run % 3)
      const result = await sh(`$STROM produce t --create --partitions ${partitions} --batch-size ${batch} --dir ${dir} < ${inputFile}`, disk.env())
      const written = result.exitCode === 0 ? total : reportedWritten(result.stderr)
      const inLog = numbersInLog(dir, 't')
      const counts = new Map<number, number>()
      for (const n of inLog) counts.set(n, (counts.get(n) ?? 0) + 1)
      figures.runs++
      figures.lines += total
      figures.written += written
      for (let n = 1; n <= written; n++) if (!counts.has(n)) figures.lost++
      for (const [n, count] of counts) {
        if (count > 1) figures.duplicated += count - 1
        if (n > written) figures.extra++
      }
      fs.rmSync(dir, {recursive: true, force: true})
      fs.rmSync(filler)
    }
    disk.resize(2 * MIB)
    console.log(`ENOSPC torture (${disk.kind}): ${JSON.stringify(figures)}`)
    expect(figures).toMatchObject({runs: 20, lost: 0, duplicated: 0, extra: 0})
  }, 300_000)
})
