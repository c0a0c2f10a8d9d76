/**
 * `log verify` in the middle of a compaction's segment swap (issue #15, case 10: a concurrent
 * verify once reported a transient segment overlap). Deterministic, unlike the torture test: a
 * child process runs the library's real compaction and stops it inside the swap
 * (test/fixtures/compact-paused-in-swap.mjs), holding the cleaner lock and the write lock, with
 * the compacted segment 0 (offsets up to 199) already renamed into place and the replaced segment
 * 100 still listed beside it. Verify must not report that overlap while the swap is in progress,
 * and must report the log clean once it finishes; the same files left behind by a cleaner that
 * died there (no lock held) are a real overlap, which verify must report.
 *
 * STROM_BIN runs the scenario against another build's bin/run.js (default: this one), e.g. the
 * build before the fix, to see the failure this test reproduces.
 */
import {execa, type ResultPromise} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {isLockedElsewhere} from '../../src/core/io/file-lock.js'
import {BIN, ROOT, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const STROM_BIN = process.env.STROM_BIN ?? BIN
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'compact-paused-in-swap.mjs')
const OVERLAP = 'kv/0 00000000000000000100.log byte 0 offset 199: segment 0 ends at offset 199, at or past the base offset of the next segment 100'

const verify = (dir: string): ResultPromise => execa('node', [STROM_BIN, 'log', 'verify', 'kv', '--dir', dir], {env: {NO_COLOR: '1'}, reject: false, stripFinalNewline: false})

/** Segment 0 compacted (20 keys, offsets 80..99), then 100 more records of the same keys in the active segment 100. */
async function twoSegments(): Promise<string> {
  const dir = tmpLogDir()
  const records = (round: string) => Array.from({length: 100}, (_, i) => `k${i % 20}:${round}${i}`).join('\n') + '\n'
  expect((await strom(dir, ['topic', 'create', 'kv', '--config', 'cleanup.policy=compact'])).exitCode).toBe(0)
  expect((await strom(dir, ['produce', 'kv', '-K:'], {input: records('a')})).exitCode).toBe(0)
  expect((await strom(dir, ['log', 'compact', 'kv'])).exitCode).toBe(0)
  expect((await strom(dir, ['produce', 'kv', '-K:'], {input: records('b')})).exitCode).toBe(0)
  return dir
}

/** Starts the compaction (roll to segment 200, merge segments 0 and 100 into 0) and waits until it stops inside the swap. */
async function compactionStoppedInSwap(dir: string): Promise<{cleaner: ResultPromise; pdir: string}> {
  const cleaner = execa('node', [FIXTURE, dir, 'kv', '0'], {reject: false, stripFinalNewline: false})
  let out = ''
  cleaner.stdout!.on('data', (chunk) => (out += String(chunk)))
  await waitFor(() => out.includes('paused') || cleaner.exitCode !== null, 15_000)
  if (!out.includes('paused')) expect.fail(`the compaction ended without reaching the swap:\n${out}${(await cleaner).stderr}`)
  const pdir = path.join(dir, 'topics', 'kv', '0')
  // The transient state: the compacted segment 0 is in place (no .cleaned left), the replaced
  // segment 100 is still there, the swap record names it, and the cleaner holds both locks.
  const names = fs.readdirSync(pdir).sort()
  expect(names.filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000000.log', '00000000000000000100.log', '00000000000000000200.log'])
  expect(names.filter((n) => n.endsWith('.cleaned') || n.endsWith('.deleted'))).toEqual([])
  expect(JSON.parse(fs.readFileSync(path.join(pdir, 'cleaner-swap.json'), 'utf8'))).toMatchObject({base: 0, replaces: [0, 100]})
  expect(isLockedElsewhere(path.join(pdir, 'cleaner.lock'))).toBe(true)
  expect(isLockedElsewhere(path.join(pdir, 'write.lock'))).toBe(true)
  return {cleaner, pdir}
}

/**
 * Whether some process is queued in the kernel for a lock on `file` (a "->" line of /proc/locks
 * naming its device and inode): the verify is waiting for the swap to finish, having reported nothing.
 */
function someoneWaitsFor(file: string): boolean {
  const {dev, ino} = fs.statSync(file)
  const major = Math.floor(dev / 256) & 0xfff
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00)
  const id = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino} `
  return fs.readFileSync('/proc/locks', 'utf8').split('\n').some((line) => line.includes('->') && line.includes(id))
}

describe('log verify during a compaction swap', () => {
  it('reports no fault while the swap is in progress, and the log clean once it is done', async () => {
    const dir = await twoSegments()
    const {cleaner, pdir} = await compactionStoppedInSwap(dir)
    const check = verify(dir)
    try {
      // Either verify answers at once (it judged the half-swapped directory) or it waits for the swap.
      await waitFor(() => check.exitCode !== null || someoneWaitsFor(path.join(pdir, 'write.lock')), 15_000)
      if (check.exitCode !== null) {
        const early = await check
        expect.fail(`verify answered while the swap was in progress (exit ${early.exitCode}):\n${early.stdout}${early.stderr}`)
      }
    } finally {
      // Let the compaction finish in every case, so no process is left holding the locks.
      cleaner.stdin!.end('go\n')
    }
    const compacted = await cleaner
    expect(compacted.exitCode, String(compacted.stderr)).toBe(0)
    expect(JSON.parse(String(compacted.stdout).split('\n')[1])).toMatchObject({compacted: true, segmentsBefore: 2, segmentsAfter: 1})
    const result = await check
    expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/verified 1 partition\(s\), 2 segment\(s\), .*: no faults/)
    // And afterwards, with nothing running.
    expect((await verify(dir)).exitCode).toBe(0)
  }, 30_000)

  it('control: the same files with no cleaner holding the partition are a real overlap, reported', async () => {
    const dir = await twoSegments()
    const {cleaner, pdir} = await compactionStoppedInSwap(dir)
    // The cleaner dies there: the kernel drops its locks, the files stay as they are.
    cleaner.kill('SIGKILL')
    await cleaner
    expect(isLockedElsewhere(path.join(pdir, 'cleaner.lock'))).toBe(false)
    expect(fs.existsSync(path.join(pdir, '00000000000000000100.log'))).toBe(true)
    const result = await verify(dir)
    expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(1)
    expect(result.stdout).toBe(`${OVERLAP}\n`)
    expect(result.stderr).toMatch(/3 segment\(s\), .*: 1 fault\(s\); fix with `strom log repair kv`/)
  }, 30_000)
})
