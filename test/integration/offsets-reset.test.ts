import fs from 'node:fs'
import path from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {spawnStrom, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

// Topic t: 2 partitions, 100 messages each, timestamps one minute apart from BASE.
const BASE = Date.parse('2026-03-01T00:00:00Z')
let dir: string

const committed = async (group = 'g') => {
  const d = JSON.parse((await strom(dir, ['group', 'describe', group, '--json'])).stdout)
  return Object.fromEntries(d.partitions.map((p: {partition: number; committed: number}) => [p.partition, p.committed]))
}
const reset = (args: string[]) => strom(dir, ['offsets', 'reset', '--group', 'g', ...args])

beforeEach(async () => {
  dir = tmpLogDir()
  await strom(dir, ['topic', 'create', 't', '--partitions', '2'])
  const input = [0, 1].flatMap((p) => Array.from({length: 100}, (_, i) => JSON.stringify({value: `${p}-${i}`, partition: p, timestamp: BASE + i * 60_000}))).join('\n')
  await strom(dir, ['produce', 't', '--json', '--keep-partition'], {input})
  // The group reads 50 messages in total, then stops: commits exist.
  await strom(dir, ['consume', 't', '--group', 'g', '-n', '50'])
})

describe('offsets reset', () => {
  it('is a dry run by default and changes nothing', async () => {
    const before = await committed()
    const out = await reset(['--topic', 't', '--to-earliest'])
    expect(out.exitCode).toBe(0)
    expect(out.stdout).toMatch(/CURRENT/)
    expect(out.stderr).toMatch(/dry run/)
    expect(await committed()).toEqual(before)
  })

  it('supports every mode against known offsets', async () => {
    expect((await reset(['--topic', 't', '--to-earliest', '--execute'])).exitCode).toBe(0)
    expect(await committed()).toEqual({0: 0, 1: 0})
    await reset(['--topic', 't', '--to-latest', '--execute'])
    expect(await committed()).toEqual({0: 100, 1: 100})
    await reset(['--topic', 't:0', '--to-offset', '42', '--execute'])
    expect(await committed()).toEqual({0: 42, 1: 100})
    await reset(['--topic', 't', '--shift-by=-10', '--execute'])
    expect(await committed()).toEqual({0: 32, 1: 90})
    await reset(['--topic', 't', '--to-current', '--execute'])
    expect(await committed()).toEqual({0: 32, 1: 90})
    await reset(['--topic', 't', '--to-datetime', '2026-03-01T00:30:00Z', '--execute'])
    expect(await committed()).toEqual({0: 30, 1: 30})
    const byDuration = await reset(['--topic', 't', '--by-duration', 'PT1H', '--execute'])
    expect(byDuration.stdout).toMatch(/latest/) // no message in the last hour: falls back to the end
    expect(await committed()).toEqual({0: 100, 1: 100})
    await reset(['--topic', 't', '--to-offset', '5000', '--execute'])
    expect(await committed()).toEqual({0: 100, 1: 100}) // clamped
    await reset(['--all-topics', '--shift-by=-1000', '--execute'])
    expect(await committed()).toEqual({0: 0, 1: 0}) // clamped to the log start
  })

  it('copies another group (--to-group) and exports/imports CSV plans', async () => {
    await strom(dir, ['consume', 't', '--group', 'other', '-n', '7'])
    await reset(['--topic', 't', '--to-group', 'other', '--execute'])
    const other = await committed('other')
    const mine = await committed()
    for (const p of Object.keys(other)) expect(mine[p]).toBe(other[p])

    const exported = await reset(['--topic', 't', '--to-offset', '60', '--export'])
    expect(exported.stdout).toBe('t,0,60\nt,1,60\n')
    const plan = path.join(dir, 'plan.csv')
    fs.writeFileSync(plan, exported.stdout)
    await reset(['--from-file', plan, '--execute'])
    expect(await committed()).toEqual({0: 60, 1: 60})
  })

  it('after --to-earliest --execute the next member replays from the start', async () => {
    expect((await reset(['--topic', 't', '--to-earliest', '--execute'])).exitCode).toBe(0)
    const replay = await strom(dir, ['consume', 't', '--group', 'g'])
    const values = replay.stdout.trim().split('\n')
    expect(values).toHaveLength(200)
    expect(values.filter((v) => v.startsWith('0-'))).toEqual(Array.from({length: 100}, (_, i) => `0-${i}`))
    expect(await committed()).toEqual({0: 100, 1: 100})
  })

  it('journals executed resets and undoes them', async () => {
    const before = await committed()
    await reset(['--topic', 't', '--to-earliest', '--execute'])
    expect(await committed()).toEqual({0: 0, 1: 0})
    const undone = await strom(dir, ['offsets', 'undo', '--group', 'g'])
    expect(undone.exitCode).toBe(0)
    expect(await committed()).toEqual(before)
    expect((await strom(dir, ['offsets', 'undo', '--group', 'g'])).exitCode).toBe(2)
  })

  it('is refused while the group has live members, listing them', async () => {
    const member = spawnStrom(dir, ['consume', 't', '--group', 'g', '-f'])
    await waitFor(() => Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'groups/g/state.json'), 'utf8')).members).length === 1, 10000)
    const before = await committed()
    const out = await reset(['--topic', 't', '--to-earliest', '--execute'])
    expect(out.exitCode).toBe(1)
    expect(out.stderr).toMatch(/live members/)
    expect(out.stderr).toMatch(/pid \d+/)
    member.kill('SIGTERM')
    await member
    expect((await committed())[0]).toBeGreaterThanOrEqual(before[0])
  })

  it('bad input: clear errors, nothing changed', async () => {
    const before = await committed()
    const cases: Array<[string[], number, RegExp]> = [
      [['offsets', 'reset', '--group', 'nope', '--topic', 't', '--to-earliest'], 3, /group 'nope' does not exist/],
      [['offsets', 'reset', '--group', 'g', '--to-earliest'], 2, /no scope/],
      [['offsets', 'reset', '--group', 'g', '--topic', 't'], 2, /no reset mode/],
      [['offsets', 'reset', '--group', 'g', '--topic', 't', '--to-datetime', 'yesterday'], 2, /invalid --to-datetime/],
      [['offsets', 'reset', '--group', 'g', '--topic', 't', '--by-duration', '1h'], 2, /invalid duration/],
      [['offsets', 'reset', '--group', 'g', '--topic', 't', '--to-offset', 'abc'], 2, /integer/i],
      [['group', 'describe', 'nope'], 3, /does not exist/],
    ]
    for (const [args, code, message] of cases) {
      const out = await strom(dir, args)
      expect(out.exitCode, args.join(' ')).toBe(code)
      expect(out.stderr, args.join(' ')).toMatch(message)
      expect(out.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
    }
    const bad = path.join(dir, 'bad.csv')
    fs.writeFileSync(bad, 't,0,10\nt;1;oops\n')
    const csv = await strom(dir, ['offsets', 'reset', '--group', 'g', '--from-file', bad, '--execute'])
    expect(csv.exitCode).toBe(1)
    expect(csv.stderr).toMatch(/line 2/)
    expect(await committed()).toEqual(before)
  })

  it('group delete is refused with live members and works once they are gone', async () => {
    const member = spawnStrom(dir, ['consume', 't', '--group', 'g', '-f'])
    await waitFor(() => Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'groups/g/state.json'), 'utf8')).members).length === 1, 10000)
    expect((await strom(dir, ['group', 'delete', 'g'])).exitCode).toBe(1)
    member.kill('SIGKILL')
    await member
    expect((await strom(dir, ['group', 'delete', 'g'])).exitCode).toBe(0)
    expect((await strom(dir, ['group', 'list', '--json'])).stdout).not.toMatch(/"g"/)
  })
})
