/**
 * Torture: a consumer group member paused past the session timeout. Each run: 3 members follow a
 * 3-partition topic (--json, so every printed record says its partition and offset) while a
 * producer writes; one member, chosen at random at a random moment, is SIGSTOPped, its liveness
 * file aged by 60 s (what a 60 s pause looks like to the others, without waiting a minute), reaped
 * by the others, then SIGCONTed. Then the same member is stopped and aged again, the others leave,
 * `offsets reset --to-earliest --execute` runs, and the member is resumed.
 *
 * Checked per run: the generation settles after the resume (fewer than 6 new generations, none in
 * the last 2 s); all 3 processes are members again; nothing is lost; no partition is read by two
 * live members at once (see concurrentReads); the reset is not undone (the resumed member reads
 * every partition again from its start).
 *
 * STROM_TORTURE_PAUSE_RUNS sets the number of runs (default 20); one run takes about 10–20 s on the
 * 2-core project VM under load from other workers.
 */
import fs from 'node:fs'
import path from 'node:path'
import {stopOutsideGroupLock} from '../helpers/group-pause.js'
import {describe, expect, it} from 'vitest'
import {ROOT, sh, spawnStrom, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const RUNS = Number(process.env.STROM_TORTURE_PAUSE_RUNS ?? 20)
const MESSAGES = 3000
const PARTITIONS = 3

interface Line {
  /** Arrival order over all members (the test reads every member's stdout on one event loop). */
  seq: number
  member: number
  partition: number
  offset: number
}

type Member = ReturnType<typeof spawnStrom>

const readState = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'groups/G/state.json'), 'utf8')) as {
  generation: number
  members: Record<string, {pid: number}>
  owned: Record<string, {member: string}>
}
const idOfPid = (dir: string, pid: number) => Object.entries(readState(dir).members).find(([, m]) => m.pid === pid)?.[0]
const pidsInState = (dir: string) => Object.values(readState(dir).members).map((m) => m.pid).sort((a, b) => a - b).join()
const ownersInState = (dir: string) => new Set(Object.values(readState(dir).owned).map((o) => o.member)).size
const ownedCount = (dir: string) => Object.keys(readState(dir).owned).length
const stopOutsideLock = (dir: string, pid: number) => stopOutsideGroupLock(path.join(dir, 'groups/G'), pid)
const age = (dir: string, id: string) => {
  const old = new Date(Date.now() - 60_000)
  fs.utimesSync(path.join(dir, 'groups/G/members', `${id}.alive`), old, old)
}

/**
 * Two live members reading one partition at once shows in the arrival-ordered output of that
 * partition as a member taking up its OWN old cursor (its run starts right after its previous run
 * ended) over offsets another member has printed since. A handover never does that: the new reader
 * starts at the committed offset, which is past everything printed (a clean handover) or, after a
 * reap, at the last commit of the reaped member (redelivery of what it printed but had not
 * committed: at-least-once, counted as duplicates, not as concurrent reading).
 */
function concurrentReads(lines: Line[]): string[] {
  const problems: string[] = []
  for (let p = 0; p < PARTITIONS; p++) {
    let high = -1
    let current: number | undefined
    const lastOf = new Map<number, number>()
    for (const line of lines.filter((l) => l.partition === p)) {
      if (line.member !== current) {
        const ownLast = lastOf.get(line.member)
        if (line.offset <= high && ownLast !== undefined && line.offset === ownLast + 1) {
          problems.push(`partition ${p}: member ${line.member} went on from its offset ${ownLast} after others had read up to ${high}`)
        }
        current = line.member
      }
      lastOf.set(line.member, line.offset)
      high = Math.max(high, line.offset)
    }
  }
  return problems
}

describe('torture: a group member paused past the session timeout', () => {
  it(`${RUNS} runs of SIGSTOP/SIGCONT of one of 3 members under load: settles, nothing lost, no partition read twice at once, resets stand`, async () => {
    const totals = {runs: 0, messages: 0, printed: 0, lost: 0, duplicated: 0, maxGenerationsAfterResume: 0}
    const started = Date.now()
    for (let run = 0; run < RUNS; run++) {
      const runStarted = Date.now()
      const dir = tmpLogDir()
      await strom(dir, ['topic', 'create', 'T', '--partitions', String(PARTITIONS)])
      const lines: Line[] = []
      let seq = 0
      const members: Member[] = [0, 1, 2].map((index) => {
        const child = spawnStrom(dir, ['consume', 'T', '--group', 'G', '-f', '--reset', 'earliest', '--json'])
        let rest = ''
        child.stdout!.on('data', (chunk: Buffer) => {
          const text = rest + chunk.toString()
          const parts = text.split('\n')
          rest = parts.pop()!
          for (const part of parts) {
            const record = JSON.parse(part) as {partition: number; offset: number}
            lines.push({seq: seq++, member: index, partition: record.partition, offset: record.offset})
          }
        })
        return child
      })
      const pids = members.map((m) => m.pid!)
      const allPids = [...pids].sort((a, b) => a - b).join()
      await waitFor(() => fs.existsSync(path.join(dir, 'groups/G/state.json')) && pidsInState(dir) === allPids && ownersInState(dir) === 3 && ownedCount(dir) === PARTITIONS, 30_000, 20)

      // Load: about a thousand messages a second, in the background.
      const producer = sh(`node ${path.join(ROOT, 'test/fixtures/gen-lines.mjs')} r${run} 1 | head -n ${MESSAGES} | node ${path.join(ROOT, 'bin/run.js')} produce T --partitioner round-robin --dir ${dir}`)
      await waitFor(() => lines.length > 0, 30_000, 5)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 1500)) // a random moment of the load, not synchronisation
      const victim = Math.floor(Math.random() * 3)
      const pid = pids[victim]
      const victimId = idOfPid(dir, pid)!
      await stopOutsideLock(dir, pid)
      age(dir, victimId)
      await waitFor(() => readState(dir).members[victimId] === undefined && ownedCount(dir) === PARTITIONS && ownersInState(dir) === 2, 20_000, 20)
      const generationAtResume = readState(dir).generation
      process.kill(pid, 'SIGCONT')
      await waitFor(() => pidsInState(dir) === allPids && ownersInState(dir) === 3 && ownedCount(dir) === PARTITIONS, 30_000, 20)
      // Settled: no new generation for 2 s.
      let generation = readState(dir).generation
      let quietSince = Date.now()
      await waitFor(() => {
        const now = readState(dir).generation
        if (now !== generation) {
          generation = now
          quietSince = Date.now()
        }
        return Date.now() - quietSince >= 2000
      }, 30_000, 50)
      const generations = generation - generationAtResume
      expect(generations, `run ${run}: generations after the resume`).toBeLessThan(6)
      totals.maxGenerationsAfterResume = Math.max(totals.maxGenerationsAfterResume, generations)
      const described = JSON.parse((await strom(dir, ['group', 'describe', 'G', '--json'])).stdout)
      expect(described.members.map((m: {pid: number}) => m.pid).sort((a: number, b: number) => a - b).join(), `run ${run}: describe lists every live process`).toBe(allPids)

      expect((await producer).exitCode).toBe(0)
      const printedKeys = () => new Set(lines.map((l) => `${l.partition}:${l.offset}`)).size
      await waitFor(() => printedKeys() === MESSAGES, 30_000, 50)
      const beforeReset = lines.slice()
      const problems = concurrentReads(beforeReset)
      expect(problems, `run ${run}`).toEqual([])
      const seen = new Set(beforeReset.map((l) => `${l.partition}:${l.offset}`))
      const lost = MESSAGES - seen.size
      expect(lost, `run ${run}: lost`).toBe(0)
      totals.messages += MESSAGES
      totals.printed += beforeReset.length
      totals.duplicated += beforeReset.length - seen.size
      totals.lost += lost

      // The reset: the victim stopped and reaped again, the others gone.
      const secondId = idOfPid(dir, pid)!
      await stopOutsideLock(dir, pid)
      age(dir, secondId)
      const others = members.filter((_, i) => i !== victim)
      for (const other of others) other.kill('SIGTERM')
      await Promise.all(others)
      const reset = await strom(dir, ['offsets', 'reset', '--group', 'G', '--all-topics', '--to-earliest', '--execute'])
      expect(reset.exitCode, `run ${run}: ${reset.stderr}`).toBe(0)
      const resetAt = seq
      process.kill(pid, 'SIGCONT')
      const reread = () => {
        const again = new Set(lines.filter((l) => l.seq >= resetAt && l.member === victim).map((l) => `${l.partition}:${l.offset}`))
        return again.size
      }
      await waitFor(() => reread() === MESSAGES, 30_000, 50)
      members[victim].kill('SIGTERM')
      const last = await members[victim]
      expect(String(last.stderr)).toMatch(/declared dead/)
      totals.runs++
      console.log(`paused-member run ${run}: victim ${victim}, ${generations} generation(s) after the resume, ${beforeReset.length - seen.size} duplicate(s), ${Date.now() - runStarted} ms`)
    }
    const seconds = (Date.now() - started) / 1000
    console.log(`paused members: ${totals.runs} runs, ${totals.messages} messages, ${totals.printed} printed, lost ${totals.lost}, duplicated ${totals.duplicated}, at most ${totals.maxGenerationsAfterResume} generations after a resume, ${seconds.toFixed(0)} s (${(seconds / Math.max(1, totals.runs)).toFixed(1)} s a run)`)
  }, Math.max(1, RUNS) * 90_000)
})
