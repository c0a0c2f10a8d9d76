/**
 * Torture for `strom process`: three members with `cat` as COMMAND work through the input while
 * members and their COMMAND children are killed with SIGKILL at random moments (a killed member is
 * started again). Then: read_committed, the output holds exactly one result per input id, and each
 * key's results are in input order. STROM_TORTURE_PROCESS_N sets the input count (1,000,000 by
 * default, as the issue asks; the kills are spread over the run).
 */
import {execa, ResultPromise} from 'execa'
import {describe, expect, it} from 'vitest'
import {BIN, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const N = Number(process.env.STROM_TORTURE_PROCESS_N ?? 1_000_000)
const KILLS = 20
const MEMBERS = 3
const KEYS = 1000

function startMember(dir: string): ResultPromise {
  return execa('node', [BIN, 'process', 'in', '--to', 'out', '--group', 'eo', '--batch-size', '5000', '--dir', dir, '--', 'cat'], {env: {NO_COLOR: '1'}, reject: false, buffer: true})
}

async function groupLag(dir: string): Promise<number> {
  const described = await strom(dir, ['group', 'describe', 'eo', '--json'])
  if (described.exitCode !== 0) return Number.POSITIVE_INFINITY
  const parsed = JSON.parse(described.stdout) as {partitions: Array<{committed: number | null; end: number; lag: number}>}
  return parsed.partitions.length === 0 ? Number.POSITIVE_INFINITY : parsed.partitions.reduce((sum, p) => sum + (p.committed === null ? p.end : p.lag), 0)
}

/** The direct children of a process (its COMMAND runs), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const found = await execa('pgrep', ['-P', String(pid)], {reject: false})
  return String(found.stdout).split('\n').filter(Boolean).map(Number)
}

describe('torture: strom process under SIGKILL', () => {
  it(`${N} inputs, ${MEMBERS} members, ${KILLS} kills of members and COMMANDs: exactly one result per input, in per-key order`, async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'in', '-p', '6'])
    // Inputs in chunks (one produce of a million lines is fine too, but keeps memory flat).
    for (let from = 0; from < N; from += 200_000) {
      let input = ''
      for (let i = from; i < Math.min(N, from + 200_000); i++) input += `k${i % KEYS}:k${i % KEYS} ${i}\n`
      const produced = await strom(dir, ['produce', 'in', '-K:'], {input})
      expect(produced.exitCode, produced.stderr).toBe(0)
    }
    const members: ResultPromise[] = Array.from({length: MEMBERS}, () => startMember(dir))
    const all: ResultPromise[] = [...members]
    let memberKills = 0
    let commandKills = 0
    try {
      for (let k = 0; k < KILLS; k++) {
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1200)) // a random moment of the run, not synchronisation
        const i = Math.floor(Math.random() * MEMBERS)
        const target = members[i]
        // Every other kill is of a COMMAND: they live for milliseconds, so look for one for a while
        // (one that exits between the look and the kill does not count).
        let killedCommand = false
        const lookUntil = Date.now() + 5000
        while (k % 2 === 0 && !killedCommand && Date.now() < lookUntil && target.pid !== undefined) {
          for (const child of await childrenOf(target.pid)) {
            try {
              process.kill(child, 'SIGKILL')
              killedCommand = true
              break
            } catch {
              // gone already
            }
          }
        }
        if (killedCommand) {
          commandKills++
        } else {
          target.kill('SIGKILL')
          await target
          memberKills++
          members[i] = startMember(dir)
          all.push(members[i])
        }
      }
      await waitFor(async () => (await groupLag(dir)) === 0, 600_000, 500)
    } finally {
      for (const m of members) m.kill('SIGTERM')
      await Promise.all(all)
    }
    expect(memberKills + commandKills).toBe(KILLS)
    const read = await execa('node', [BIN, 'consume', 'out', '--isolation-level', 'read_committed', '-F', '%v\\n', '--dir', dir], {reject: false, buffer: true, maxBuffer: 1 << 30})
    expect(read.exitCode, String(read.stderr)).toBe(0)
    const seen = new Uint8Array(N)
    const lastByKey = new Int32Array(KEYS).fill(-1)
    let results = 0
    let duplicates = 0
    let outOfOrder = 0
    for (const line of String(read.stdout).split('\n')) {
      if (line === '') continue
      results++
      const space = line.indexOf(' ')
      const key = Number(line.slice(1, space))
      const id = Number(line.slice(space + 1))
      if (seen[id] === 1) duplicates++
      seen[id] = 1
      if (id <= lastByKey[key]) outOfOrder++
      lastByKey[key] = id
    }
    const missing = N - seen.reduce((sum, v) => sum + v, 0)
    process.stderr.write(`process torture: ${N} inputs, ${results} results, ${memberKills} member kills, ${commandKills} COMMAND kills, ${duplicates} duplicates, ${missing} missing, ${outOfOrder} out of order\n`)
    expect({duplicates, missing, outOfOrder, results}).toEqual({duplicates: 0, missing: 0, outOfOrder: 0, results: N})
  }, 900_000)
})
