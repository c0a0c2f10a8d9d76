import fs from 'node:fs'
import path from 'node:path'
import {stopOutsideGroupLock} from '../helpers/group-pause.js'
import {execa} from 'execa'
import {describe, expect, it} from 'vitest'
import {ROOT, lines, sh, spawnStrom, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const readState = (dir: string, group: string) => JSON.parse(fs.readFileSync(path.join(dir, 'groups', group, 'state.json'), 'utf8'))
const ownedBy = (dir: string, group: string) => {
  const state = readState(dir, group)
  const byMember: Record<string, number> = {}
  for (const owner of Object.values(state.owned) as Array<{member: string}>) byMember[owner.member] = (byMember[owner.member] ?? 0) + 1
  return {members: Object.keys(state.members).length, owned: Object.keys(state.owned).length, byMember}
}
const numbers = (text: string) => text.split('\n').filter((l) => l !== '').map(Number)

describe('consumer groups between processes', () => {
  it('3 members over 6 partitions consume 60,000 messages exactly once (bounded reads)', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'logs', '--partitions', '6'])
    await strom(dir, ['produce', 'logs', '--partitioner', 'round-robin'], {input: lines(60000)})
    const outs = await Promise.all([1, 2, 3].map(() => strom(dir, ['consume', 'logs', '--group', 'g'])))
    for (const out of outs) expect(out.exitCode, out.stderr).toBe(0)
    const all = outs.flatMap((o) => numbers(o.stdout)).sort((a, b) => a - b)
    expect(all).toEqual(Array.from({length: 60000}, (_, i) => i + 1))
    const described = JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout)
    expect(described.state).toBe('Empty')
    // Every member left: no current assignment strategy (as Kafka describes an Empty group).
    expect(described.protocol).toBeNull()
    expect(described.totalLag).toBe(0)
  })

  it('followers split partitions, take over a killed member within seconds, and hand back to a newcomer', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'logs', '--partitions', '6'])
    const members = [1, 2, 3].map(() => spawnStrom(dir, ['consume', 'logs', '--group', 'g', '-f']))
    const joinStart = Date.now()
    // Every partition owned can come a moment before the balance (a handover still under way): wait for both.
    const balanced = () => fs.existsSync(path.join(dir, 'groups/g/state.json')) && ownedBy(dir, 'g').members === 3 && ownedBy(dir, 'g').owned === 6 && Object.values(ownedBy(dir, 'g').byMember).join() === '2,2,2'
    await waitFor(balanced, 15000)
    console.log(`3 members joined and own 2 partitions each after ${Date.now() - joinStart} ms (including process start)`)
    expect(Object.values(ownedBy(dir, 'g').byMember)).toEqual([2, 2, 2])
    await strom(dir, ['produce', 'logs', '--partitioner', 'round-robin'], {input: lines(30000)})
    await waitFor(async () => JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout).totalLag === 0, 15000, 200)

    // SIGKILL one member: its partitions move to the others.
    members[0].kill('SIGKILL')
    const killedAt = Date.now()
    await waitFor(() => {
      const o = ownedBy(dir, 'g')
      return o.members === 2 && o.owned === 6
    }, 10000, 20)
    const moveMs = Date.now() - killedAt
    console.log(`partitions of a SIGKILLed member moved after ${moveMs} ms`)
    expect(moveMs).toBeLessThan(5000)

    // A newcomer gets some partitions back.
    const newcomer = spawnStrom(dir, ['consume', 'logs', '--group', 'g', '-f'])
    const joinedAt = Date.now()
    await waitFor(() => {
      const o = ownedBy(dir, 'g')
      return o.members === 3 && Object.keys(o.byMember).length === 3 && o.owned === 6
    }, 10000, 20)
    console.log(`a newcomer owned partitions ${Date.now() - joinedAt} ms after it was started`)

    await strom(dir, ['produce', 'logs', '--partitioner', 'round-robin'], {input: lines(30000, 30001)})
    await waitFor(async () => JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout).totalLag === 0, 15000, 200)
    for (const m of [members[1], members[2], newcomer]) m.kill('SIGTERM')
    const results = await Promise.all([members[0], members[1], members[2], newcomer])
    for (const r of results.slice(1)) expect(r.exitCode).toBe(143)
    const all = results.flatMap((r) => numbers(String(r.stdout)))
    const unique = new Set(all)
    expect(unique.size).toBe(60000)
    // The killed member had committed everything it printed before the kill (lag was 0), so no duplicates.
    expect(all.length).toBe(60000)
    const described = JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout)
    expect(described.state).toBe('Empty')
  }, 90_000)

  it('churn: members killed and started at random while a producer writes; nothing is missing', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'churn', '--partitions', '4'])
    const producer = sh(`node ${path.join(ROOT, 'test/fixtures/gen-lines.mjs')} m 20 | head -n 100000 | node ${path.join(ROOT, 'bin/run.js')} produce churn --partitioner round-robin --dir ${dir}`)
    const finished: Array<Promise<{stdout: unknown}>> = []
    let kills = 0
    for (let round = 0; round < 8; round++) {
      const member = spawnStrom(dir, ['consume', 'churn', '--group', 'c', '-f', '--reset', 'earliest'])
      finished.push(member)
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 700))
      if (round % 2 === 0) {
        member.kill(Math.random() < 0.5 ? 'SIGKILL' : 'SIGTERM')
        kills++
      }
    }
    const produced = await producer
    expect(produced.exitCode).toBe(0)
    // Stop the survivors, then a last member drains the group.
    const running = finished.filter((_, i) => i % 2 === 1) as Array<ReturnType<typeof spawnStrom>>
    for (const m of running) m.kill('SIGTERM')
    const outputs = await Promise.all(finished)
    const drain = await strom(dir, ['consume', 'churn', '--group', 'c'])
    expect(drain.exitCode).toBe(0)
    const seen = [...outputs.map((o) => String(o.stdout)), drain.stdout].flatMap((text) => text.split('\n').filter((l) => l !== ''))
    const unique = new Set(seen)
    expect(unique.size).toBe(100000)
    console.log(`churn: ${kills} members killed, ${seen.length} lines printed for 100000 messages, ${seen.length - unique.size} duplicates (from uncommitted ranges)`)
  }, 120_000)

  it('--pattern subscribes to matching topics, including ones created after the member started', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'app-a'])
    await strom(dir, ['topic', 'create', 'other'])
    const member = spawnStrom(dir, ['consume', '--group', 'audit', '--pattern', '^app-', '-f', '--reset', 'earliest', '-F', '%t %v\\n'])
    await waitFor(() => fs.existsSync(path.join(dir, 'groups/audit/state.json')) && ownedBy(dir, 'audit').owned === 1, 15000)
    await strom(dir, ['produce', 'app-a', 'one'])
    await strom(dir, ['produce', 'other', 'ignored'])
    await strom(dir, ['topic', 'create', 'app-b', '--partitions', '2'])
    await strom(dir, ['produce', 'app-b', 'two', '-p', '1'])
    await waitFor(() => ownedBy(dir, 'audit').owned === 3, 15000, 50)
    await waitFor(async () => JSON.parse((await strom(dir, ['group', 'describe', 'audit', '--json'])).stdout).partitions.filter((p: {committed: number | null}) => p.committed !== null && p.committed > 0).length === 2, 15000, 200)
    member.kill('SIGTERM')
    const out = String((await member).stdout)
    expect(out.split('\n').filter(Boolean).sort()).toEqual(['app-a one', 'app-b two'])
  }, 60_000)

  it('two processes committing to one group at the same time lose no update', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 't', '--partitions', '2'])
    fs.mkdirSync(path.join(dir, 'groups', 'race'), {recursive: true})
    fs.writeFileSync(path.join(dir, 'groups', 'race', 'LOCK'), '')
    const script = path.join(ROOT, 'test/fixtures/commit-loop.mjs')
    await Promise.all([execa('node', [script, dir, 'race', 't', '0', '1000']), execa('node', [script, dir, 'race', 't', '1', '1000'])])
    const offsets = JSON.parse(fs.readFileSync(path.join(dir, 'groups/race/offsets.json'), 'utf8')).offsets
    expect(offsets.t['0'].offset).toBe(1000)
    expect(offsets.t['1'].offset).toBe(1000)
  }, 60_000)
})

const memberIdOfPid = (dir: string, group: string, pid: number): string | undefined =>
  Object.entries(readState(dir, group).members as Record<string, {pid: number}>).find(([, m]) => m.pid === pid)?.[0]
const pidsInState = (dir: string, group: string) => Object.values(readState(dir, group).members as Record<string, {pid: number}>).map((m) => m.pid).sort()
/** Makes a member look silent for 2 minutes, as a real 2-minute SIGSTOP would (its heartbeat is the mtime). */
const ageLiveness = (dir: string, group: string, id: string) => {
  const old = new Date(Date.now() - 120_000)
  fs.utimesSync(path.join(dir, 'groups', group, 'members', `${id}.alive`), old, old)
}
/** stderr with oclif's line wrapping (" ›   " continuation lines) undone. */
const unwrapped = (stderr: string) => stderr.replace(/\s*\n ›\s+/g, ' ')
const describeJson = async (dir: string, group: string) => JSON.parse((await strom(dir, ['group', 'describe', group, '--json'])).stdout)

describe('consumer groups: a member paused past the session timeout', () => {
  it('is reaped once, rejoins as a new member, and the group settles with both processes as members', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'T', '--partitions', '2'])
    await strom(dir, ['produce', 'T', '--partitioner', 'round-robin'], {input: lines(1000)})
    const a = spawnStrom(dir, ['consume', 'T', '--group', 'G', '-f', '--reset', 'earliest'])
    const b = spawnStrom(dir, ['consume', 'T', '--group', 'G', '-f', '--reset', 'earliest'])
    const both = [a.pid!, b.pid!].sort()
    await waitFor(() => fs.existsSync(path.join(dir, 'groups/G/state.json')) && pidsInState(dir, 'G').join() === both.join() && ownedBy(dir, 'G').owned === 2 && Object.keys(ownedBy(dir, 'G').byMember).length === 2, 15000, 20)
    const idA = memberIdOfPid(dir, 'G', a.pid!)!
    await stopOutsideGroupLock(path.join(dir, 'groups/G'), a.pid!)
    ageLiveness(dir, 'G', idA)
    // B reaps A and takes its partition while A's process is stopped (alive, holding its lock).
    await waitFor(() => readState(dir, 'G').members[idA] === undefined && ownedBy(dir, 'G').owned === 2 && Object.keys(ownedBy(dir, 'G').byMember).length === 1, 30000, 20)
    const generationAtResume = readState(dir, 'G').generation
    process.kill(a.pid!, 'SIGCONT')
    await waitFor(() => pidsInState(dir, 'G').join() === both.join() && ownedBy(dir, 'G').owned === 2 && Object.keys(ownedBy(dir, 'G').byMember).length === 2, 15000, 20)
    // Watch for 3 s: the generation stays put and `group describe` lists both live processes.
    const watchUntil = Date.now() + 3000
    while (Date.now() < watchUntil) {
      const described = await describeJson(dir, 'G')
      expect(described.members.map((m: {pid: number}) => m.pid).sort()).toEqual(both)
      expect(described.generation - generationAtResume).toBeLessThan(6)
    }
    expect(readState(dir, 'G').generation - generationAtResume).toBeLessThan(6)
    expect(memberIdOfPid(dir, 'G', a.pid!)).not.toBe(idA)
    await strom(dir, ['produce', 'T', '--partitioner', 'round-robin'], {input: lines(100, 1001)})
    await waitFor(async () => (await describeJson(dir, 'G')).totalLag === 0, 15000, 200)
    a.kill('SIGTERM')
    b.kill('SIGTERM')
    const [ra, rb] = await Promise.all([a, b])
    expect(String(ra.stderr)).toMatch(/declared dead .* joined again as/)
    const seen = new Set([...numbers(String(ra.stdout)), ...numbers(String(rb.stdout))])
    expect(seen.size).toBe(1100)
  }, 90_000)

  it('an offsets reset done while it is stopped and reaped is not undone by its next commit: it reads again from the reset', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'T', '--partitions', '2'])
    await strom(dir, ['produce', 'T', '--partitioner', 'round-robin'], {input: lines(200)})
    const a = spawnStrom(dir, ['consume', 'T', '--group', 'G', '-f', '--reset', 'earliest'])
    let printed = 0
    a.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString().split('\n').length - 1))
    await waitFor(async () => printed === 200 && fs.existsSync(path.join(dir, 'groups/G/offsets.json')) && (await describeJson(dir, 'G')).totalLag === 0, 15000, 100)
    const idA = memberIdOfPid(dir, 'G', a.pid!)!
    await stopOutsideGroupLock(path.join(dir, 'groups/G'), a.pid!)
    ageLiveness(dir, 'G', idA)
    const reset = await strom(dir, ['offsets', 'reset', '--group', 'G', '--all-topics', '--to-earliest', '--execute'])
    expect(reset.exitCode, reset.stderr).toBe(0)
    process.kill(a.pid!, 'SIGCONT')
    await strom(dir, ['produce', 'T', '--partitioner', 'round-robin'], {input: lines(100, 201)})
    // The reset stands: A reads the 200 old messages again, then the 100 new ones.
    await waitFor(async () => printed >= 500 && (await describeJson(dir, 'G')).totalLag === 0, 15000, 100)
    a.kill('SIGTERM')
    const out = numbers(String((await a).stdout))
    expect(out.length).toBe(500)
    expect(new Set(out).size).toBe(300)
    expect(String((await a).stderr)).toMatch(/declared dead/)
  }, 60_000)
})

describe('consumer groups: damaged group files', () => {
  const setup = async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'T', '--partitions', '2'])
    await strom(dir, ['produce', 'T', '--partitioner', 'round-robin'], {input: lines(200)})
    const first = await strom(dir, ['consume', 'T', '--group', 'G'])
    expect(first.exitCode, first.stderr).toBe(0)
    await strom(dir, ['produce', 'T', '--partitioner', 'round-robin'], {input: lines(200, 201)})
    return {dir, file: path.join(dir, 'groups/G/offsets.json')}
  }

  it('one flipped bit in offsets.json: consume --group fails naming the file instead of skipping messages, and log verify reports it', async () => {
    const {dir, file} = await setup()
    const bytes = fs.readFileSync(file)
    // "offset": 100 → its last digit with the lowest bit flipped ('0' ^ 1 = '1'): still valid JSON, a wrong offset.
    const at = bytes.indexOf('"offset": 100') + '"offset": 10'.length
    expect(at).toBeGreaterThan(20)
    bytes[at] ^= 1
    fs.writeFileSync(file, bytes)
    const consumed = await strom(dir, ['consume', 'T', '--group', 'G'])
    expect(consumed.exitCode).not.toBe(0)
    expect(consumed.stdout).toBe('')
    expect(unwrapped(consumed.stderr)).toContain(`${file} is damaged: checksum mismatch`)
    expect(consumed.stderr).not.toMatch(/\n\s+at /)
    const verified = await strom(dir, ['log', 'verify'])
    expect(verified.exitCode).toBe(1)
    expect(verified.stdout).toContain(file)
    expect(verified.stdout).toMatch(/group G: .*checksum mismatch.*to fix: .*mv /)
    const json = JSON.parse((await strom(dir, ['log', 'verify', '--json'])).stdout)
    expect(json.clean).toBe(false)
    expect(json.groupFaults[0].file).toBe(file)
  })

  it('a truncated offsets.json: the error names the file (no bare SyntaxError)', async () => {
    const {dir, file} = await setup()
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2))
    const consumed = await strom(dir, ['consume', 'T', '--group', 'G'])
    expect(consumed.exitCode).not.toBe(0)
    expect(consumed.stdout).toBe('')
    expect(unwrapped(consumed.stderr)).toContain(`${file} is damaged: not valid JSON`)
    const verified = await strom(dir, ['log', 'verify'])
    expect(verified.exitCode).toBe(1)
    expect(verified.stdout).toContain(file)
  })

  it('a version 1 offsets.json (no checksum) is still read, and log verify finds it sound', async () => {
    const {dir, file} = await setup()
    fs.writeFileSync(file, JSON.stringify({version: 1, offsets: {T: {'0': {offset: 100, metadata: '', commitTimestamp: 1}, '1': {offset: 100, metadata: '', commitTimestamp: 1}}}}))
    expect((await strom(dir, ['log', 'verify'])).exitCode).toBe(0)
    const consumed = await strom(dir, ['consume', 'T', '--group', 'G'])
    expect(consumed.exitCode, consumed.stderr).toBe(0)
    expect(numbers(consumed.stdout).sort((x, y) => x - y)).toEqual(Array.from({length: 200}, (_, i) => 201 + i))
  })
})

describe('consume --group with the Kafka tools\' start flags', () => {
  const sorted = (stdout: string) => stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b)

  it('-o beginning / --from-beginning start partitions without a commit at their beginning; committed ones resume', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['produce', 'logs', '--create', '--partitions', '2', '--partitioner', 'round-robin'], {input: lines(12)})
    // -f would start a new group at the end (latest): -o beginning says otherwise, and is not ignored.
    const first = await strom(dir, ['consume', 'logs', '--group', 'g', '-f', '-o', 'beginning', '-n', '12'])
    expect(first.exitCode).toBe(0)
    expect(sorted(first.stdout)).toEqual(sorted(lines(12)))
    await strom(dir, ['produce', 'logs'], {input: lines(3, 13)})
    // Every partition has a commit now: -o beginning does not move them back.
    const again = await strom(dir, ['consume', 'logs', '--group', 'g', '-o', 'beginning'])
    expect(sorted(again.stdout)).toEqual([13, 14, 15])
    const kafkaStyle = await strom(dir, ['consume', 'logs', '--group', 'h', '-f', '--from-beginning', '-n', '15'])
    expect(sorted(kafkaStyle.stdout)).toEqual(sorted(lines(15)))
    const earliest = await strom(dir, ['consume', 'logs', '--group', 'i', '-o', 'earliest'])
    expect(earliest.exitCode).toBe(0)
    expect(sorted(earliest.stdout)).toHaveLength(15)
  })

  it('-o end starts a new group at the end; other -o forms and contradictions are refused', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['produce', 'logs', '--create'], {input: lines(5)})
    const end = await strom(dir, ['consume', 'logs', '--group', 'g', '-o', 'end'])
    expect(end.exitCode).toBe(0)
    expect(end.stdout).toBe('')
    for (const [args, message] of [[['-o', '3'], /-o 3 cannot be used with --group/], [['-o', 'end', '--reset', 'earliest'], /--reset earliest and -o end contradict/], [['-o', 'end', '--from-beginning'], /--from-beginning|--offset/]] as const) {
      const out = await strom(dir, ['consume', 'logs', '--group', 'x', ...args])
      expect(out.exitCode, args.join(' ')).toBe(2)
      expect(out.stderr).toMatch(message)
    }
  })
})
