/**
 * `strom process`: consume-transform-produce with exactly-once output, through the real CLI.
 * Members are real processes; COMMAND is a real program; outputs are read back read_committed.
 */
import {execa, ResultPromise} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {BIN, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const running: ResultPromise[] = []
afterEach(async () => {
  for (const p of running.splice(0)) p.kill('SIGKILL')
})

/** Starts a member; --dir goes before `--`, which hands the rest to COMMAND. */
function member(dir: string, args: string[], command: string[] = []): ResultPromise {
  const child = execa('node', [BIN, 'process', ...args, '--dir', dir, ...(command.length > 0 ? ['--', ...command] : [])], {env: {NO_COLOR: '1'}, reject: false, buffer: true, stripFinalNewline: false})
  running.push(child)
  return child
}

async function totalLag(dir: string, group: string): Promise<number> {
  const described = await strom(dir, ['group', 'describe', group, '--json'])
  if (described.exitCode !== 0) return Number.POSITIVE_INFINITY
  const parsed = JSON.parse(described.stdout) as {partitions: Array<{committed: number | null; end: number; lag: number}>}
  if (parsed.partitions.length === 0) return Number.POSITIVE_INFINITY
  return parsed.partitions.reduce((sum, p) => sum + (p.committed === null ? p.end : p.lag), 0)
}

async function committedOutput(dir: string, topic: string, format = '%p %v\\n'): Promise<string[]> {
  const read = await strom(dir, ['consume', topic, '--isolation-level', 'read_committed', '-F', format])
  expect(read.exitCode, read.stderr).toBe(0)
  return read.stdout.split('\n').filter(Boolean)
}

describe('strom process', () => {
  it('three members split the partitions; every input gives its output once, in per-key order', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'in', '-p', '6'])
    const n = 30_000
    let input = ''
    for (let i = 0; i < n; i++) input += `k${i % 97}:k${i % 97} ${i}\n`
    expect((await strom(dir, ['produce', 'in', '-K:'], {input})).exitCode).toBe(0)
    const members = [0, 1, 2].map(() => member(dir, ['in', '--to', 'out', '--group', 'g', '--batch-size', '2000'], ['cat']))
    await waitFor(async () => (await totalLag(dir, 'g')) === 0, 90_000, 200)
    const described = JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout) as {members: unknown[]}
    expect(described.members.length).toBe(3)
    for (const m of members) m.kill('SIGTERM')
    for (const m of members) expect((await m).exitCode).toBe(143)
    const out = await committedOutput(dir, 'out')
    expect(out).toHaveLength(n)
    const lastByKey = new Map<string, number>()
    const seen = new Set<number>()
    for (const line of out) {
      const [partition, key, id] = line.split(' ')
      expect(Number(partition)).toBeLessThan(6)
      const i = Number(id)
      expect(seen.has(i)).toBe(false)
      seen.add(i)
      expect(i).toBeGreaterThan(lastByKey.get(key) ?? -1)
      lastByKey.set(key, i)
    }
    expect(seen.size).toBe(n)
  }, 150_000)

  it('a failing command aborts its batch: nothing of it is visible, the offsets stay, the member gives up with a clear error', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'in'])
    await strom(dir, ['produce', 'in'], {input: 'a\nb\nboom\nc\n'})
    const failing = member(dir, ['in', '--to', 'out', '--group', 'g'], ['sh', '-c', 'if grep -q boom; then exit 3; fi'])
    const result = await failing
    expect(result.exitCode).not.toBe(0)
    expect(String(result.stderr)).toMatch(/exited with status 3/)
    expect(String(result.stderr)).toMatch(/batches in a row failed/)
    expect(String(result.stderr)).not.toMatch(/\n\s+at /) // no stack trace
    expect(await committedOutput(dir, 'out')).toEqual([])
    const uncommitted = await strom(dir, ['consume', 'out'])
    expect(uncommitted.stdout).toBe('') // grep printed nothing before failing
    const described = JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout) as {partitions: Array<{committed: number | null}>}
    expect(described.partitions.every((p) => p.committed === null)).toBe(true)
    // Fixed command: the same inputs are processed once.
    const fixed = member(dir, ['in', '--to', 'out', '--group', 'g'], ['tr', 'a-z', 'A-Z'])
    await waitFor(async () => (await totalLag(dir, 'g')) === 0, 30_000, 100)
    fixed.kill('SIGTERM')
    await fixed
    expect(await committedOutput(dir, 'out', '%v\\n')).toEqual(['A', 'B', 'BOOM', 'C'])
  }, 60_000)

  it('a COMMAND killed mid-batch: the batch is read again, no output twice, none lost', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'in', '-p', '2'])
    let input = ''
    for (let i = 0; i < 2000; i++) input += `${i}\n`
    await strom(dir, ['produce', 'in'], {input})
    // The first run of the command (whichever partition) kills itself (SIGKILL) halfway through its output.
    const flag = path.join(dir, 'killed-once')
    const script = `if mkdir ${flag} 2>/dev/null; then head -n 5; kill -9 $$; fi; cat`
    const m = member(dir, ['in', '--to', 'out', '--group', 'g', '--batch-size', '500'], ['sh', '-c', script])
    await waitFor(async () => (await totalLag(dir, 'g')) === 0, 30_000, 100)
    m.kill('SIGTERM')
    const result = await m
    expect(String(result.stderr)).toMatch(/aborted, to be read again: 'sh' was killed by SIGKILL/)
    expect(fs.existsSync(flag)).toBe(true)
    const out = (await committedOutput(dir, 'out', '%v\\n')).map(Number).sort((a, b) => a - b)
    expect(out).toEqual(Array.from({length: 2000}, (_, i) => i))
    // The killed run's 5 lines were never appended: a batch's outputs are sent only once its command succeeded.
    expect((await strom(dir, ['consume', 'out'])).stdout.split('\n').filter(Boolean).length).toBe(2000)
  }, 60_000)

  it('--json envelopes choose key and destination; --module runs a JavaScript function', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'in'])
    await strom(dir, ['topic', 'create', 'rejected'])
    await strom(dir, ['produce', 'in', '-K:'], {input: 'alice:100\nbob:-5\ncarol:7\n'})
    const router = `const rl=require('readline').createInterface({input:process.stdin});rl.on('line',l=>{const r=JSON.parse(l);const ok=Number(r.value)>0;console.log(JSON.stringify({key:r.key,value:r.value,topic:ok?undefined:'rejected',headers:{checked:'yes'}}))})`
    const m = member(dir, ['in', '--to', 'valid', '--group', 'route', '--json'], ['node', '-e', router])
    await waitFor(async () => (await totalLag(dir, 'route')) === 0, 30_000, 100)
    m.kill('SIGTERM')
    await m
    expect(await committedOutput(dir, 'valid', '%k=%v %h\\n')).toEqual(['alice=100 checked=yes', 'carol=7 checked=yes'])
    expect(await committedOutput(dir, 'rejected', '%k=%v\\n')).toEqual(['bob=-5'])

    const moduleFile = path.join(dir, 'double.mjs')
    fs.writeFileSync(moduleFile, 'export default (record) => [record.value, {key: record.key, value: String(Number(record.value) * 2)}]\n')
    const mod = member(dir, ['in', '--to', 'doubled', '--group', 'mod', '--module', moduleFile])
    await waitFor(async () => (await totalLag(dir, 'mod')) === 0, 30_000, 100)
    mod.kill('SIGTERM')
    await mod
    expect(await committedOutput(dir, 'doubled', '%k=%v\\n')).toEqual(['=100', 'alice=200', '=-5', 'bob=-10', '=7', 'carol=14'])
  }, 60_000)

  it('refuses a missing transform, two transforms, and writing into its own input', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'in'])
    const none = await strom(dir, ['process', 'in', '--to', 'out', '--group', 'g'])
    expect(none.exitCode).toBe(2)
    expect(none.stderr).toMatch(/no transform given/)
    const both = await execa('node', [BIN, 'process', 'in', '--to', 'out', '--group', 'g', '--module', 'x.mjs', '--dir', dir, '--', 'cat'], {reject: false})
    expect(both.exitCode).toBe(2)
    expect(both.stderr).toMatch(/not both/)
    const loop = await execa('node', [BIN, 'process', 'in', '--to', 'in', '--group', 'g', '--dir', dir, '--', 'cat'], {reject: false})
    expect(loop.exitCode).toBe(2)
    expect(loop.stderr).toMatch(/also an input/)
    const missing = await execa('node', [BIN, 'process', 'nope', '--to', 'out', '--group', 'g', '--dir', dir, '--', 'cat'], {reject: false})
    expect(missing.exitCode).not.toBe(0)
    expect(missing.stderr).toMatch(/nope/)
  })
})
