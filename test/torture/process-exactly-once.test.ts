/**
 * Torture for `strom process`: three members with `cat` as COMMAND work through a stream of input
 * (it arrives in parts, one before each kill) while they are killed with SIGKILL: 10 members at
 * random moments (each started again) and 10 COMMAND runs mid-output. Then, read_committed, the
 * output holds exactly one result per input id, and each key's results are in input order.
 * STROM_TORTURE_PROCESS_N sets the input count (1,000,000 by default, as the issue asks).
 */
import {execa, ResultPromise} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const N = Number(process.env.STROM_TORTURE_PROCESS_N ?? 1_000_000)
const KILLS = 20
const MEMBERS = 3
const KEYS = 1000

/**
 * COMMAND is `cat` (then a 50 ms pause). A bare `cat` lives a few milliseconds per batch, too short
 * to be caught running from outside, so a COMMAND kill is a ticket in `tickets/`: the next COMMAND
 * run takes it, prints part of its batch and SIGKILLs itself (a COMMAND killed mid-output).
 */
function commandScript(dir: string): string {
  const tickets = path.join(dir, 'tickets')
  const used = path.join(dir, 'tickets-used')
  return `t=$(ls ${tickets} 2>/dev/null | head -n 1); if [ -n "$t" ] && mv ${tickets}/$t ${used}/$t 2>/dev/null; then head -n 3; kill -9 $$; fi; cat && sleep 0.05`
}

function startMember(dir: string): ResultPromise {
  return execa('node', [BIN, 'process', 'in', '--to', 'out', '--group', 'eo', '--batch-size', '5000', '--dir', dir, '--', 'sh', '-c', commandScript(dir)], {env: {NO_COLOR: '1'}, reject: false, buffer: true})
}

async function groupLag(dir: string): Promise<number> {
  const described = await strom(dir, ['group', 'describe', 'eo', '--json'])
  if (described.exitCode !== 0) return Number.POSITIVE_INFINITY
  const parsed = JSON.parse(described.stdout) as {partitions: Array<{committed: number | null; end: number; lag: number}>}
  return parsed.partitions.length === 0 ? Number.POSITIVE_INFINITY : parsed.partitions.reduce((sum, p) => sum + (p.committed === null ? p.end : p.lag), 0)
}


describe('torture: strom process under SIGKILL', () => {
  it(`${N} inputs, ${MEMBERS} members, ${KILLS} kills of members and COMMANDs: exactly one result per input, in per-key order`, async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'in', '-p', '6'])
    // The input arrives in KILLS + 1 parts: one before the members start, one before each kill, so
    // every kill lands while the members have fresh input to work on (a live stream).
    const part = Math.ceil(N / (KILLS + 1))
    let produced = 0
    const produceNext = async () => {
      let input = ''
      const to = Math.min(N, produced + part)
      for (let i = produced; i < to; i++) input += `k${i % KEYS}:k${i % KEYS} ${i}\n`
      produced = to
      if (input === '') return
      const result = await strom(dir, ['produce', 'in', '-K:'], {input})
      expect(result.exitCode, result.stderr).toBe(0)
    }
    await produceNext()
    const members: ResultPromise[] = Array.from({length: MEMBERS}, () => startMember(dir))
    const all: ResultPromise[] = [...members]
    let memberKills = 0
    let commandKills = 0
    fs.mkdirSync(path.join(dir, 'tickets'))
    fs.mkdirSync(path.join(dir, 'tickets-used'))
    try {
      for (let k = 0; k < KILLS; k++) {
        if (k % 2 === 0) {
          // A COMMAND kill: a ticket, then the next part of the input: the first COMMAND run on
          // it takes the ticket, prints 3 lines of its batch and SIGKILLs itself, mid-output.
          fs.writeFileSync(path.join(dir, 'tickets', `t${k}`), '')
          await produceNext()
          await waitFor(() => fs.existsSync(path.join(dir, 'tickets-used', `t${k}`)), 60_000, 10)
          commandKills++
          continue
        }
        await produceNext()
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 600)) // a random moment of the run, not synchronisation
        const i = Math.floor(Math.random() * MEMBERS)
        members[i].kill('SIGKILL')
        await members[i]
        memberKills++
        members[i] = startMember(dir)
        all.push(members[i])
      }
      while (produced < N) await produceNext()
      await waitFor(async () => (await groupLag(dir)) === 0, 600_000, 500)
    } finally {
      for (const m of members) m.kill('SIGTERM')
      await Promise.all(all)
    }
    expect(memberKills + commandKills).toBe(KILLS)
    expect(commandKills).toBe(KILLS / 2)
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
