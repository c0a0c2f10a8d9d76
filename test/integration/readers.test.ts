/**
 * Readers never write, and only `log repair` cuts acknowledged data (issue "Nothing lost, nothing
 * doubled, nothing stuck", items 2 and 6): damage followed by valid batches in the active segment
 * stops readers and writers with CORRUPT_SEGMENT and leaves every byte in place; a missing index
 * loses nothing; a read-only log directory is fully readable; a partition directory that is a
 * symlink to outside the log directory gets no files from a reader.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {describe, expect, it} from 'vitest'
import {BIN, lines, strom, tmpLogDir} from '../helpers/strom.js'

/** Every file under `dir` with a hash of its bytes: equal snapshots mean nothing was written, created or removed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of fs.readdirSync(dir, {recursive: true, withFileTypes: true})) {
    const file = path.join(entry.parentPath, entry.name)
    const rel = path.relative(dir, file)
    out[rel] = entry.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') : entry.isDirectory() ? 'dir' : 'other'
  }
  return out
}

function batchStarts(file: string): number[] {
  const bytes = fs.readFileSync(file)
  const starts: number[] = []
  for (let at = 0; at < bytes.length; at += bytes.readInt32BE(at + 8) + 12) starts.push(at)
  return starts
}

/** A one-partition topic with four batches of 50 messages (offsets 0..199) in its active segment. */
async function fourBatches(): Promise<{dir: string; log: string}> {
  const dir = tmpLogDir()
  expect((await strom(dir, ['topic', 'create', 't'])).exitCode).toBe(0)
  for (let i = 0; i < 4; i++) expect((await strom(dir, ['produce', 't'], {input: lines(50, i * 50 + 1)})).exitCode).toBe(0)
  const log = path.join(dir, 'topics', 't', '0', '00000000000000000000.log')
  expect(batchStarts(log)).toHaveLength(4)
  return {dir, log}
}

describe('damage in the middle of the active segment', () => {
  it('consume and produce refuse with CORRUPT_SEGMENT and change nothing; verify reports it; repair quarantines, puts the later batches back, and no offset is reused', async () => {
    const {dir, log} = await fourBatches()
    const bytes = fs.readFileSync(log)
    const starts = batchStarts(log)
    bytes[starts[1] + 70] ^= 0x10 // inside the records of the second batch (offsets 50..99): its CRC no longer matches
    fs.writeFileSync(log, bytes)
    const before = snapshot(dir)

    const consumed = await strom(dir, ['consume', 't'])
    expect(consumed.exitCode).not.toBe(0)
    expect(consumed.stderr).toContain('CORRUPT_SEGMENT')
    expect(consumed.stdout.split('\n').filter(Boolean)).toEqual(lines(50).trim().split('\n'))
    expect(snapshot(dir)).toEqual(before)

    const produced = await strom(dir, ['produce', 't'], {input: 'more\n'})
    expect(produced.exitCode).not.toBe(0)
    expect(produced.stderr).toContain('CORRUPT_SEGMENT')
    expect(produced.stderr).toContain('strom log repair t')
    expect(fs.readFileSync(log)).toEqual(bytes)

    const verify = await strom(dir, ['log', 'verify', 't'])
    expect(verify.exitCode).toBe(1)
    expect(verify.stdout + verify.stderr).toContain(`byte ${starts[1]}`)

    const repair = await strom(dir, ['log', 'repair', 't', '--yes'])
    expect(repair.exitCode, repair.stderr).toBe(0)
    expect(repair.stdout).toContain('put back 2 valid batch(es)')
    const quarantine = path.join(dir, 'quarantine', 't', '0')
    const kept = fs.readdirSync(quarantine).filter((n) => n.endsWith('.bin'))
    expect(kept).toHaveLength(1)
    expect(fs.readFileSync(path.join(quarantine, kept[0]))).toEqual(bytes.subarray(starts[1]))
    expect((await strom(dir, ['log', 'verify', 't'])).exitCode).toBe(0)

    expect((await strom(dir, ['produce', 't'], {input: 'after repair\n'})).exitCode).toBe(0)
    const after = await strom(dir, ['consume', 't', '-F', '%o %v\n'])
    expect(after.exitCode, after.stderr).toBe(0)
    const rows = after.stdout.trim().split('\n')
    // Offsets 50..99 were in the damaged batch (kept in quarantine); 100..199 are back, unchanged.
    expect(rows).toEqual([
      ...Array.from({length: 50}, (_, i) => `${i} ${i + 1}`),
      ...Array.from({length: 100}, (_, i) => `${i + 100} ${i + 101}`),
      '200 after repair',
    ])
  })

  it('a missing .index loses nothing: consume reads all 200 messages and changes no file', async () => {
    const {dir} = await fourBatches()
    fs.rmSync(path.join(dir, 'topics', 't', '0', '00000000000000000000.index'))
    const before = snapshot(dir)
    const consumed = await strom(dir, ['consume', 't'])
    expect(consumed.exitCode, consumed.stderr).toBe(0)
    expect(consumed.stdout).toBe(lines(200))
    expect(snapshot(dir)).toEqual(before)
    // The writer rebuilds it by scanning, and continues after offset 199.
    expect((await strom(dir, ['produce', 't'], {input: 'next\n'})).exitCode).toBe(0)
    expect(fs.existsSync(path.join(dir, 'topics', 't', '0', '00000000000000000000.index'))).toBe(true)
    expect((await strom(dir, ['consume', 't', '-o', '200', '-F', '%o %v\n'])).stdout).toBe('200 next\n')
  })
})

/** How to run a command as an unprivileged user, or why we cannot. */
async function asNobody(): Promise<{prefix: string[]} | {reason: string}> {
  if (process.getuid?.() !== 0) return {prefix: []} // already unprivileged: a-w applies to us
  for (const tool of [['runuser', '-u', 'nobody', '--'], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']]) {
    const probe = await execa(tool[0], [...tool.slice(1), 'true'], {reject: false})
    if (probe.exitCode === 0) return {prefix: tool}
  }
  return {reason: 'neither runuser nor setpriv can switch to an unprivileged user here'}
}

describe('readers never write', () => {
  it('a read-only log directory is fully readable by a user who cannot write it', async (context) => {
    const runner = await asNobody()
    if ('reason' in runner) {
      process.stdout.write(`skipped: ${runner.reason}\n`)
      context.skip()
      return
    }
    const dir = tmpLogDir()
    fs.chmodSync(dir, 0o755)
    expect((await strom(dir, ['topic', 'create', 't', '-p', '2'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 't'], {input: lines(200)})).exitCode).toBe(0)
    expect((await strom(dir, ['consume', 't', '-G', 'g', '-n', '5'])).exitCode).toBe(0)
    // A torn tail nobody has cut yet: readers stop before it instead of cutting it.
    const partitionDir = path.join(dir, 'topics', 't', '0')
    fs.appendFileSync(path.join(partitionDir, '00000000000000000000.log'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]))
    // No write.lock in one partition: a reader must not need to create one.
    fs.rmSync(path.join(dir, 'topics', 't', '1', 'write.lock'), {force: true})
    await execa('chmod', ['-R', 'a-w', dir])
    const before = snapshot(dir)
    try {
      // Without NODE_V8_COVERAGE: under `npm test` the coverage directory belongs to root, and the
      // other user's node would fail to write its report there (that error is Node's, not strom's).
      const run = (args: string[]) => execa(runner.prefix[0] ?? 'node', [...runner.prefix.slice(1), ...(runner.prefix.length > 0 ? ['node'] : []), BIN, ...args, '--dir', dir], {reject: false, env: {NO_COLOR: '1', NODE_V8_COVERAGE: undefined}, extendEnv: true})
      for (const args of [['consume', 't'], ['topic', 'list'], ['topic', 'describe', 't'], ['group', 'describe', 'g'], ['log', 'dump', 't'], ['top']]) {
        const result = await run(args)
        expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0)
        expect(result.stderr, args.join(' ')).not.toMatch(/EACCES|EPERM|read-only/i)
        if (args[0] === 'consume') expect(String(result.stdout).split('\n').filter(Boolean)).toHaveLength(200)
      }
      // verify reports the torn tail (no writer is active) but can run at all.
      const verify = await run(['log', 'verify', 't'])
      expect(verify.stderr).not.toMatch(/EACCES|EPERM/)
      expect(verify.stdout).toContain('runs past the end of the segment')
    } finally {
      await execa('chmod', ['-R', 'u+w', dir])
    }
    expect(snapshot(dir)).toEqual(before)
  })

  it('a partition directory that is a symlink to outside the log directory gets no files from consume', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 't'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 't'], {input: lines(20)})).exitCode).toBe(0)
    const outside = tmpLogDir('strom-outside-')
    const partitionDir = path.join(dir, 'topics', 't', '0')
    // Only the .log outside: a reader that recovered would create the indexes and write.lock there.
    fs.copyFileSync(path.join(partitionDir, '00000000000000000000.log'), path.join(outside, '00000000000000000000.log'))
    fs.rmSync(partitionDir, {recursive: true})
    fs.symlinkSync(outside, partitionDir)
    const before = snapshot(outside)
    const consumed = await strom(dir, ['consume', 't'])
    expect(consumed.exitCode, consumed.stderr).toBe(0)
    expect(consumed.stdout).toBe(lines(20))
    expect(snapshot(outside)).toEqual(before)
    // A writer refuses to work through it.
    const produced = await strom(dir, ['produce', 't'], {input: 'x\n'})
    expect(produced.exitCode).not.toBe(0)
    expect(produced.stderr).toContain('outside the log directory')
    expect(snapshot(outside)).toEqual(before)
  })
})
