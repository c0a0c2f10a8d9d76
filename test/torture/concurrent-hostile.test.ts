/**
 * Torture, part 3: retention and compaction while producers and followers run (no reader crashes;
 * the latest value of each key is the last one produced), and hostile input (names, symlinks,
 * configs, NDJSON): each gets a clear error and nothing outside the log directory changes.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {validateName} from '../../src/core/names.js'
import {spawnStrom, strom, stromBuffer, tmpLogDir, waitFor} from '../helpers/strom.js'

function keyedInput(prefix: string, keys: number, count: number): {input: string; last: Map<string, string>} {
  let input = ''
  const last = new Map<string, string>()
  for (let i = 0; i < count; i++) {
    const key = `${prefix}${i % keys}`
    input += `${key}:${prefix}-${i}\n`
    last.set(key, `${prefix}-${i}`)
  }
  return {input, last}
}

describe('torture: retention and compaction under concurrent produce and consume', () => {
  it('no reader crashes, readers see offsets in order, and the compacted topic ends with the last value of every key', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'kv', '--partitions', '2', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=4096'])
    await strom(dir, ['topic', 'create', 'stream', '--config', 'segment.bytes=4096', '--config', 'retention.bytes=20000'])
    const a = keyedInput('a', 50, 20_000)
    const b = keyedInput('b', 50, 20_000)
    const followers = [spawnStrom(dir, ['consume', 'kv', '-f', '-F', '%p %o\n']), spawnStrom(dir, ['consume', 'stream', '-f', '-F', '%o\n'])]
    // What each follower has printed so far (execa hands over its whole output only at the end).
    const printed = followers.map((f) => {
      const seen = {text: ''}
      f.stdout!.on('data', (chunk: Buffer) => (seen.text += chunk.toString()))
      return seen
    })
    const producers = [
      spawnStrom(dir, ['produce', 'kv', '-K:', '--batch-size', '2048'], {input: a.input}),
      spawnStrom(dir, ['produce', 'kv', '-K:', '--batch-size', '2048'], {input: b.input}),
      spawnStrom(dir, ['produce', 'stream', '--batch-size', '1024'], {input: Array.from({length: 30_000}, (_, i) => `s${i}`).join('\n') + '\n'}),
    ]
    let maintenanceRuns = 0
    let producing = true
    const done = Promise.all(producers).then(() => (producing = false))
    while (producing) {
      const runs = await Promise.all([strom(dir, ['log', 'compact', 'kv']), strom(dir, ['log', 'clean']), strom(dir, ['log', 'delete-records', 'stream', '-p', '0', '--before', '100'])])
      for (const run of runs.slice(0, 2)) expect(run.exitCode, run.stderr).toBe(0)
      maintenanceRuns += runs.length
    }
    for (const p of await done.then(() => Promise.all(producers))) expect(p.exitCode, String(p.stderr)).toBe(0)
    // The followers are stopped once they have printed the last record of every partition, in the
    // format each prints (the last record is the last value of its key: compaction keeps it, and
    // retention and delete-records leave the active segment's end alone).
    const lastLines = async (topic: string, format: string) => {
      const last = new Map<string, string>()
      for (const line of (await strom(dir, ['consume', topic, '-F', '%p ' + format])).stdout.split('\n').filter(Boolean)) last.set(line.split(' ')[0], line.slice(line.indexOf(' ') + 1))
      return [...last.values()]
    }
    const expected = [await lastLines('kv', '%p %o\n'), await lastLines('stream', '%o\n')]
    expect(expected.map((e) => e.length)).toEqual([2, 1])
    await waitFor(() => followers.every((_, i) => {
      const lines = new Set(printed[i].text.split('\n'))
      return expected[i].every((line) => lines.has(line))
    }), 60_000, 50)
    for (const f of followers) f.kill('SIGINT')
    const results = await Promise.all(followers)
    for (const r of results) {
      expect(r.exitCode, String(r.stderr)).toBe(130)
      expect(String(r.stderr)).not.toMatch(/Error|at .*\.js/)
    }
    // Each follower's offsets only grow, per partition.
    let followed = 0
    for (const r of results) {
      const lastByPartition = new Map<string, number>()
      for (const line of String(r.stdout).split('\n').filter(Boolean)) {
        const parts = line.split(' ')
        const [p, o] = parts.length === 2 ? parts : ['0', parts[0]]
        expect(Number(o)).toBeGreaterThan(lastByPartition.get(p) ?? -1)
        lastByPartition.set(p, Number(o))
        followed++
      }
    }
    await strom(dir, ['log', 'compact', 'kv'])
    const latest = new Map<string, string>()
    for (const line of (await strom(dir, ['consume', 'kv', '-F', '%k %v\n'])).stdout.split('\n').filter(Boolean)) {
      const [k, v] = line.split(' ')
      latest.set(k, v)
    }
    expect(latest).toEqual(new Map([...a.last, ...b.last]))
    expect((await strom(dir, ['log', 'verify'])).exitCode).toBe(0)
    process.stdout.write(`torture/concurrent: 3 producers (70,000 messages), 2 followers (${followed} reads checked for order), ${maintenanceRuns} compact/clean/delete-records runs during produce, ${latest.size} keys checked for their last value\n`)
  }, 120_000)
})

function snapshot(dir: string): string {
  const hash = crypto.createHash('sha256')
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, {withFileTypes: true}).sort((x, y) => x.name.localeCompare(y.name))) {
      const full = path.join(d, entry.name)
      hash.update(full)
      if (entry.isDirectory()) walk(full)
      else hash.update(fs.readFileSync(full))
    }
  }
  walk(dir)
  return hash.digest('hex')
}

describe('torture: hostile input', () => {
  it('bad names, planted symlinks, out-of-range configs and bad NDJSON: clear errors, nothing outside the log directory changes', async () => {
    const dir = tmpLogDir()
    const outside = tmpLogDir('strom-outside-')
    fs.writeFileSync(path.join(outside, 'victim.log'), 'precious data that is not a segment\n')
    fs.mkdirSync(path.join(outside, 'evil', '0'), {recursive: true})
    fs.writeFileSync(path.join(outside, 'evil', 'topic.json'), JSON.stringify({version: 1, name: 'evil', partitions: 1, config: {'retention.ms': '1'}, createdMs: 0}))
    fs.writeFileSync(path.join(outside, 'evil', '0', '00000000000000000000.log'), 'not yours')
    const before = snapshot(outside)
    let cases = 0
    const expectExit = async (args: string[], code: number, pattern: RegExp, input?: string) => {
      const r = await strom(dir, args, {input})
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(code)
      expect(r.stderr, args.join(' ')).toMatch(pattern)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      cases++
    }
    await strom(dir, ['topic', 'create', 't'])
    await strom(dir, ['produce', 't'], {input: 'one\ntwo\n'})
    // Names.
    for (const name of ['..', '../outside', 'a/b', '/etc/passwd', 'x'.repeat(300), 'sp ace', '.']) await expectExit(['topic', 'create', name], 2, /invalid topic name/)
    await expectExit(['consume', 't', '--group', '../../etc'], 2, /invalid group name/)
    await expectExit(['log', 'clean', '../..'], 2, /invalid topic name/)
    expect(() => validateName('topic', 'nul\u0000name')).toThrow(/not allowed/) // argv cannot carry NUL; the API is checked directly
    cases++
    // Config values out of range.
    for (const config of ['segment.bytes=1', 'retention.ms=-5', 'min.cleanable.dirty.ratio=2', 'cleanup.policy=shred', 'retention.bytes=abc', 'retention.hold.groups=../g', 'max.message.bytes=99999999999']) {
      await expectExit(['topic', 'create', 'cfg', '--config', config], 2, /invalid value/)
    }
    await expectExit(['log', 'delete-records', 't', '-p', '0', '--before', '-3'], 2, /invalid --before/)
    await expectExit(['log', 'delete-records', 't', '-p', '7', '--before', '1'], 3, /no partition 7/)
    // NDJSON: invalid UTF-8, a huge line, wrong types.
    const invalidUtf8 = await stromBuffer(dir, ['produce', 't', '--json'], Buffer.concat([Buffer.from('{"value":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]))
    expect(invalidUtf8.exitCode).toBe(1)
    expect(invalidUtf8.stderr).toMatch(/input line 1: not valid UTF-8/)
    cases++
    await expectExit(['produce', 't', '--json'], 1, /(larger|longer) than[\s›]+max\.message\.bytes/, JSON.stringify({value: 'x'.repeat(3_000_000)}) + '\n')
    await expectExit(['produce', 't', '--json'], 1, /"partition" must be/, '{"value":"v","partition":"zero"}\n')
    await expectExit(['produce', 't', '--json'], 1, /"timestamp" must be/, '{"value":"v","timestamp":{}}\n')
    await expectExit(['produce', 't', '--json'], 1, /headers/, '{"value":"v","headers":5}\n')
    await expectExit(['produce', 't', '--json'], 1, /invalid JSON/, '{"value":\n')
    // Symlinks planted inside the log directory, pointing outside.
    fs.symlinkSync(path.join(outside, 'evil'), path.join(dir, 'topics', 'evil'))
    for (const args of [['produce', 'evil', 'x'], ['log', 'clean', 'evil'], ['log', 'repair', 'evil', '--yes'], ['log', 'compact', 'evil']]) {
      const r = await strom(dir, args)
      expect(r.exitCode, args.join(' ')).not.toBe(0)
      expect(r.stderr).toMatch(/outside the log directory|not compacted/)
      cases++
    }
    const segment = path.join(dir, 'topics', 't', '0', '00000000000000000000.log')
    fs.renameSync(segment, segment + '.mine')
    fs.symlinkSync(path.join(outside, 'victim.log'), segment)
    const through = await strom(dir, ['produce', 't', 'x'])
    expect(through.exitCode).toBe(1)
    expect(through.stderr).toMatch(/is a[\s›]+symlink/)
    for (const args of [['log', 'repair', 't', '--yes'], ['log', 'clean', 't'], ['log', 'compact', 't']]) {
      await strom(dir, args)
      cases++
    }
    expect((await strom(dir, ['topic', 'delete', 'evil', '--force'])).exitCode).toBe(0)
    expect(snapshot(outside)).toBe(before)
    process.stdout.write(`torture/hostile: ${cases} hostile inputs, each refused or contained; files outside the log directory unchanged\n`)
  }, 90_000)
})
