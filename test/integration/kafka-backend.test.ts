/**
 * The Kafka backend, end to end: the real `bin/run.js` with --bootstrap-server against Apache Kafka
 * itself (a single-node KRaft broker from Maven Central, see scripts/kafka.sh) and against `strom
 * serve`, compared with the same commands on a log directory. The same input must give the same
 * bytes out of every backend.
 */
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import {BIN, tmpLogDir, waitFor} from '../helpers/strom.js'
import {realKafka} from '../helpers/real-kafka.js'
import {KCAT, OPENSSL, ServeProcess, describeWithClients, selfSignedCert, startServe, usersFile} from './serve-harness.js'

// A JVM broker on two shared cores: give each test room.
vi.setConfig({testTimeout: 180_000})

let serve: ServeProcess
let serveDir: string
/** The server the current describe block talks to (strom serve or Apache Kafka). */
let bootstrap: string
/** The log directory behind that server when it is strom serve (Kafka's own files are not strom's). */
let servedDir: string | undefined
let stateHome: string

interface Run {
  stdout: string
  stderr: string
  exitCode: number
}

async function run(args: string[], options: {input?: string; env?: Record<string, string>} = {}): Promise<Run> {
  const result = await execa('node', [BIN, ...args], {
    input: options.input,
    env: {NO_COLOR: '1', XDG_STATE_HOME: stateHome, ...options.env},
    reject: false,
    stripFinalNewline: false,
  })
  return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1}
}

const kafka = (args: string[], options?: {input?: string; env?: Record<string, string>}) => run([...args, '--bootstrap-server', bootstrap], options)
const local = (dir: string, args: string[], options?: {input?: string}) => run([...args, '--dir', dir], options)

/**
 * Envelopes with fixed timestamps, keys and headers, so both backends can be compared byte for
 * byte. Keyed ones go where murmur2 puts them; unkeyed ones (sticky from a random partition on both
 * backends, as in Kafka) name their partition.
 */
function envelopes(count: number): string {
  let out = ''
  for (let i = 0; i < count; i++) {
    const headers = i % 3 === 0 ? [{key: 'src', value: `h${i}`}, {key: 'src', value: 'again'}] : []
    const unkeyed = i % 5 === 0
    out += JSON.stringify({key: unkeyed ? null : `user-${i % 17}`, value: `event ${i} ${'x'.repeat(i % 40)}`, headers, timestamp: 1_767_225_600_000 + i, ...(unkeyed ? {partition: i % 3} : {})}) + '\n'
  }
  return out
}

async function perPartition(target: (args: string[]) => Promise<Run>, topic: string, partitions: number, extra: string[] = []): Promise<string[]> {
  const out: string[] = []
  for (let p = 0; p < partitions; p++) {
    const result = await target(['consume', topic, '-p', String(p), ...extra])
    expect(result.exitCode, result.stderr).toBe(0)
    out.push(result.stdout)
  }
  return out
}

beforeAll(async () => {
  serveDir = tmpLogDir('strom-kafka-serve-')
  stateHome = tmpLogDir('strom-kafka-state-')
  serve = await startServe(serveDir)
})

afterAll(async () => {
  await serve?.stop()
})

/** Every test below runs twice: against strom serve and against Apache Kafka. */
const targets: Array<{name: string; connect: () => Promise<string>; dir: () => string | undefined}> = [
  {name: 'strom serve', connect: async () => serve.bootstrap, dir: () => serveDir},
  {name: 'Apache Kafka', connect: realKafka, dir: () => undefined},
]

for (const target of targets) describe(`--bootstrap-server ${target.name}`, () => {
  beforeAll(async () => {
    bootstrap = await target.connect()
    servedDir = target.dir()
  }, 300_000)

  describe('the same commands against Kafka', () => {
    it('topic create, list, describe, alter and delete', async () => {
      const created = await kafka(['topic', 'create', 'admin-t', '-p', '2', '-c', 'retention.ms=3600000'])
      expect(created.exitCode, created.stderr).toBe(0)
      expect(created.stdout).toContain('created topic admin-t with 2 partitions')
      expect((await kafka(['topic', 'create', 'admin-t'])).exitCode).toBe(1)
      expect((await kafka(['topic', 'create', 'admin-t', '--if-not-exists'])).exitCode).toBe(0)

      const list = JSON.parse((await kafka(['topic', 'list', '--json'])).stdout) as Array<{topic: string; partitions: number}>
      expect(list.find((t) => t.topic === 'admin-t')?.partitions).toBe(2)

      const altered = await kafka(['topic', 'alter', 'admin-t', '--partitions', '4', '--config', 'retention.ms=7200000'])
      expect(altered.exitCode, altered.stderr).toBe(0)
      const described = JSON.parse((await kafka(['topic', 'describe', 'admin-t', '--json'])).stdout) as {partitions: unknown[]; config: Array<{name: string; value: string; source: string}>}
      expect(described.partitions).toHaveLength(4)
      expect(described.config.find((c) => c.name === 'retention.ms')).toMatchObject({value: '7200000', source: 'topic'})
      // The data is in the served directory, so strom on the directory sees what Kafka clients made.
      if (servedDir) {
        const onDisk = JSON.parse((await local(servedDir, ['topic', 'describe', 'admin-t', '--json'])).stdout) as {partitions: unknown[]}
        expect(onDisk.partitions).toHaveLength(4)
      }

      const deleted = await kafka(['topic', 'delete', 'admin-t', '--force'])
      expect(deleted.exitCode, deleted.stderr).toBe(0)
      const missing = await kafka(['topic', 'describe', 'admin-t'])
      expect(missing.exitCode).toBe(3)
      expect(missing.stderr).toContain("topic 'admin-t' does not exist")
    })

    it('produce and consume print the same bytes as on a log directory (keys land in the same partitions)', async () => {
      const dir = tmpLogDir()
      const input = envelopes(600)
      for (const target of [(a: string[], o?: {input?: string}) => local(dir, a, o), kafka]) {
        expect((await target(['topic', 'create', 'same', '-p', '3'])).exitCode).toBe(0)
        const produced = await target(['produce', 'same', '--json', '--keep-partition'], {input})
        expect(produced.exitCode, produced.stderr).toBe(0)
      }
      for (const format of [['--json'], ['-F', '%p:%o %k=%v %h %T\\n']]) {
        const fromDir = await perPartition((a) => local(dir, a), 'same', 3, format)
        const fromKafka = await perPartition(kafka, 'same', 3, format)
        expect(fromKafka).toEqual(fromDir)
        expect(fromKafka.join('').split('\n').filter(Boolean)).toHaveLength(600)
      }
      // Plain -K: keyed lines too.
      const keyed = 'a:1\nb:2\nc:3\nd:4\ne:5\n'
      expect((await local(dir, ['produce', 'same', '-K:'], {input: keyed})).exitCode).toBe(0)
      expect((await kafka(['produce', 'same', '-K:'], {input: keyed})).exitCode).toBe(0)
      expect(await perPartition(kafka, 'same', 3, ['-o', '-2', '-F', '%p %k %v\\n'])).toEqual(await perPartition((a) => local(dir, a), 'same', 3, ['-o', '-2', '-F', '%p %k %v\\n']))
    }, 180_000)

    it('every offset form: ranges, -N, +N, @time, -n', async () => {
      // The records are stamped 2026-01-01: without retention.ms=-1 a broker's 7-day retention may delete them mid-test.
      await kafka(['topic', 'create', 'offs', '-p', '1', '--config', 'retention.ms=-1'])
      const input = Array.from({length: 10}, (_, i) => JSON.stringify({value: `v${i}`, timestamp: 1_767_225_600_000 + i * 1000})).join('\n') + '\n'
      expect((await kafka(['produce', 'offs', '--json'], {input})).exitCode).toBe(0)
      const values = async (...args: string[]) => (await kafka(['consume', 'offs', ...args])).stdout.split('\n').filter(Boolean)
      expect(await values('-o', '3:6')).toEqual(['v3', 'v4', 'v5'])
      expect(await values('-o', '-2')).toEqual(['v8', 'v9'])
      expect(await values('-o', '+8')).toEqual(['v8', 'v9'])
      expect(await values('-o', '@2026-01-01T00:00:07Z')).toEqual(['v7', 'v8', 'v9'])
      expect(await values('-n', '2')).toEqual(['v0', 'v1'])
      expect(await values('-o', 'end')).toEqual([])
    })

    it('log delete-records moves the log start on the cluster; past the end and unknown partitions are clean errors', async () => {
      await kafka(['topic', 'create', 'trim', '-p', '2'])
      expect((await kafka(['produce', 'trim', '-p', '0'], {input: Array.from({length: 20}, (_, i) => `t${i}`).join('\n') + '\n'})).exitCode).toBe(0)
      const moved = await kafka(['log', 'delete-records', 'trim', '-p', '0', '--before', '15', '--json'])
      expect(moved.exitCode, moved.stderr).toBe(0)
      expect(JSON.parse(moved.stdout)).toMatchObject({topic: 'trim', partition: 0, previousLogStartOffset: 0, logStartOffset: 15})
      expect((await kafka(['consume', 'trim', '-p', '0'])).stdout.split('\n').filter(Boolean)).toEqual(['t15', 't16', 't17', 't18', 't19'])
      const described = JSON.parse((await kafka(['topic', 'describe', 'trim', '--json'])).stdout) as {partitions: Array<{partition: number; logStartOffset: number; endOffset: number}>}
      expect(described.partitions.find((p) => p.partition === 0)).toMatchObject({logStartOffset: 15, endOffset: 20})
      // Backwards is a no-op, as on a log directory.
      expect((await kafka(['log', 'delete-records', 'trim', '-p', '0', '--before', '3'])).stdout).toMatch(/log start stays 15/)
      const past = await kafka(['log', 'delete-records', 'trim', '-p', '0', '--before', '99'])
      expect(past.exitCode).not.toBe(0)
      expect(past.stderr).toMatch(/past the end of trim\/0 \(20\)/)
      const noPartition = await kafka(['log', 'delete-records', 'trim', '-p', '5', '--before', '1'])
      expect(noPartition.exitCode).toBe(3)
      expect(noPartition.stderr).toMatch(/no partition 5/)
      const emptied = await kafka(['log', 'delete-records', 'trim', '-p', '0', '--before', 'end'])
      expect(emptied.stdout).toMatch(/log start 15 -> 20/)
    })

    it('--follow sees new messages, and Ctrl-C stops it with everything printed', async () => {
      await kafka(['topic', 'create', 'tail', '-p', '2'])
      const follower = execa('node', [BIN, 'consume', 'tail', '-f', '-o', 'end', '-v', '--bootstrap-server', bootstrap], {env: {NO_COLOR: '1'}, reject: false, buffer: true})
      let seen = ''
      let diagnostics = ''
      follower.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()))
      follower.stderr!.on('data', (chunk: Buffer) => (diagnostics += chunk.toString()))
      // -o end is resolved when the follower starts: what is produced before that is not its to print.
      await waitFor(() => /following tail\/0 from offset 0\n/.test(diagnostics) && /following tail\/1 from offset 0\n/.test(diagnostics), 30_000, 50)
      expect((await kafka(['produce', 'tail', 'one', 'two', 'three'])).exitCode).toBe(0)
      await waitFor(() => seen.split('\n').filter(Boolean).length >= 3, 10_000)
      follower.kill('SIGINT')
      const result = await follower
      expect(result.exitCode).toBe(130)
      expect(seen.split('\n').filter(Boolean).sort()).toEqual(['one', 'three', 'two'])
    })

    it('consumer groups: commits, describe with lag, offsets reset and undo, list and delete', async () => {
      await kafka(['topic', 'create', 'work', '-p', '3'])
      expect((await kafka(['produce', 'work', '-K:'], {input: Array.from({length: 30}, (_, i) => `k${i}:m${i}`).join('\n') + '\n'})).exitCode).toBe(0)
      const first = await kafka(['consume', 'work', '--group', 'workers', '--reset', 'earliest'])
      expect(first.exitCode, first.stderr).toBe(0)
      expect(first.stdout.split('\n').filter(Boolean).sort()).toEqual(Array.from({length: 30}, (_, i) => `m${i}`).sort())
      // Committed: a second member of the group has nothing left to read.
      expect((await kafka(['consume', 'work', '--group', 'workers'])).stdout).toBe('')

      const described = JSON.parse((await kafka(['group', 'describe', 'workers', '--json'])).stdout) as {totalLag: number; partitions: Array<{committed: number; end: number}>}
      expect(described.totalLag).toBe(0)
      expect(described.partitions.reduce((n, p) => n + p.committed, 0)).toBe(30)
      // The same group seen through the directory: the offsets Kafka clients commit are strom's.
      if (servedDir) {
        const onDisk = JSON.parse((await local(servedDir, ['group', 'describe', 'workers', '--json'])).stdout) as {totalLag: number}
        expect(onDisk.totalLag).toBe(0)
      }

      const reset = await kafka(['offsets', 'reset', '--group', 'workers', '--topic', 'work', '--to-earliest', '--execute', '--json'])
      expect(reset.exitCode, reset.stderr).toBe(0)
      expect(JSON.parse((await kafka(['group', 'describe', 'workers', '--json'])).stdout).totalLag).toBe(30)
      expect((await kafka(['offsets', 'reset', '--group', 'workers', '--topic', 'work:0', '--shift-by=2'])).stdout).toContain('NEW')
      // Copying from a group that does not exist is an error, as on a directory (not a plan of "unchanged").
      const missing = await kafka(['offsets', 'reset', '--group', 'workers', '--topic', 'work', '--to-group', 'no-such-group'])
      expect(missing.exitCode).toBe(3)
      expect(missing.stderr).toContain("group 'no-such-group' does not exist")
      const undo = await kafka(['offsets', 'undo', '--group', 'workers'])
      expect(undo.exitCode, undo.stderr).toBe(0)
      expect(JSON.parse((await kafka(['group', 'describe', 'workers', '--json'])).stdout).totalLag).toBe(0)

      const groups = JSON.parse((await kafka(['group', 'list', '--json'])).stdout) as Array<{group: string}>
      expect(groups.map((g) => g.group)).toContain('workers')
      expect((await kafka(['group', 'delete', 'workers'])).exitCode).toBe(0)
      expect((await kafka(['group', 'describe', 'workers'])).exitCode).toBe(3)
    })

    it('group members on Kafka: -n ends the member, a newcomer joins a busy group without killing anyone, a SIGKILLed member\'s partitions are taken over with nothing skipped or printed twice', async () => {
      await kafka(['topic', 'create', 'dyn', '-p', '2'])
      expect((await kafka(['produce', 'dyn', '--partitioner', 'round-robin'], {input: Array.from({length: 20}, (_, i) => `pre${i}`).join('\n') + '\n'})).exitCode).toBe(0)
      const limited = await kafka(['consume', 'dyn', '--group', 'dyn-n', '-n', '5', '--reset', 'earliest'])
      expect(limited.exitCode, limited.stderr).toBe(0)
      expect(limited.stdout.split('\n').filter(Boolean)).toHaveLength(5)

      const member = (name: string) => {
        const child = execa('node', [BIN, 'consume', 'dyn', '--group', 'dyn-g', '-f', '--reset', 'latest', '-F', '%p %o %v\\n', '--bootstrap-server', bootstrap], {env: {NO_COLOR: '1'}, reject: false, buffer: true})
        const out = {name, child, text: ''}
        child.stdout!.on('data', (chunk: Buffer) => (out.text += chunk.toString()))
        return out
      }
      const first = member('first')
      // Joined and positioned: with --reset latest a member starts at the end it finds after joining,
      // which it commits at once; what is produced before that is not its to print (as in Kafka).
      await waitFor(async () => {
        const described = JSON.parse((await kafka(['group', 'describe', 'dyn-g', '--json'])).stdout || '{}') as {members?: unknown[]; partitions?: Array<{committed: number | null}>}
        return described.members?.length === 1 && described.partitions?.length === 2 && described.partitions.every((p) => p.committed !== null)
      }, 30_000, 250)
      let sent = 0
      const produceSome = async (n: number) => {
        const lines = Array.from({length: n}, () => `m${sent++}`).join('\n') + '\n'
        expect((await kafka(['produce', 'dyn', '--partitioner', 'round-robin'], {input: lines})).exitCode).toBe(0)
      }
      await produceSome(20)
      const second = member('second')
      // Traffic while the second joins (a rebalance under load).
      for (let i = 0; i < 5; i++) await produceSome(10)
      await waitFor(async () => (JSON.parse((await kafka(['group', 'describe', 'dyn-g', '--json'])).stdout || '{}') as {members?: unknown[]}).members?.length === 2, 30_000, 250)
      second.child.kill('SIGKILL')
      await second.child
      // Produced while the killed member still holds its partition: the survivor must print these too.
      await produceSome(20)
      await waitFor(() => new Set([...first.text.split('\n'), ...second.text.split('\n')].filter(Boolean).map((l) => l.split(' ')[2])).size >= sent, 60_000, 250).catch(async (error: Error) => {
        const group = await kafka(['group', 'describe', 'dyn-g'])
        first.child.kill('SIGINT')
        const stopped = await first.child
        throw new Error(`${error.message}: ${sent} sent; the survivor printed:\n${first.text}\nthe killed one:\n${second.text}\nthe survivor's stderr: ${String(stopped.stderr)}\ngroup: ${group.stdout}${group.stderr}\n${servedDir ? `serve: ${serve.stderr().slice(-3000)}` : ''}`)
      })
      first.child.kill('SIGINT')
      const result = await first.child
      expect(result.exitCode, result.stderr).toBe(130)
      expect(result.stderr).not.toContain('Error')
      const printed = [...first.text.split('\n'), ...second.text.split('\n')].filter(Boolean)
      const values = printed.map((l) => l.split(' ')[2])
      expect(new Set(values)).toEqual(new Set(Array.from({length: sent}, (_, i) => `m${i}`)))
      // What the killed member printed but had not committed may be printed again (at least once), nothing else.
      const byOffset = printed.map((l) => l.split(' ').slice(0, 2).join(':'))
      const twice = byOffset.filter((k, i) => byOffset.indexOf(k) !== i)
      const fromKilled = new Set(second.text.split('\n').filter(Boolean).map((l) => l.split(' ').slice(0, 2).join(':')))
      expect(twice.filter((k) => !fromKilled.has(k))).toEqual([])
    }, 180_000)

    it('STROM_BOOTSTRAP_SERVERS and --profile choose Kafka the same way', async () => {
      await kafka(['topic', 'create', 'envt'])
      const viaEnv = await run(['topic', 'list', '--json'], {env: {STROM_BOOTSTRAP_SERVERS: bootstrap}})
      expect(viaEnv.exitCode, viaEnv.stderr).toBe(0)
      expect((JSON.parse(viaEnv.stdout) as Array<{topic: string}>).map((t) => t.topic)).toContain('envt')
      const config = path.join(tmpLogDir(), 'config.json')
      fs.writeFileSync(config, JSON.stringify({profiles: {dev: {bootstrapServers: bootstrap}}}))
      const viaProfile = await run(['topic', 'list', '--json', '--profile', 'dev'], {env: {STROM_CONFIG: config}})
      expect(viaProfile.exitCode, viaProfile.stderr).toBe(0)
      expect(viaProfile.stdout).toBe(viaEnv.stdout)
      const unknown = await run(['topic', 'list', '--profile', 'prod'], {env: {STROM_CONFIG: config}})
      expect(unknown.exitCode).toBe(2)
      expect(unknown.stderr).toContain("no profile 'prod'")
      expect(unknown.stderr).toContain('known profiles: dev')
    })

    it('flags and commands that cannot apply to Kafka say so; an unreachable cluster is a clean error', async () => {
      await kafka(['topic', 'create', 'noflags'])
      const sync = await kafka(['produce', 'noflags', '--sync', 'x'])
      expect(sync.exitCode).toBe(2)
      expect(sync.stderr).toContain('--sync applies to a log directory only')
      const merge = await kafka(['consume', 'noflags', '--merge', 'time'])
      expect(merge.exitCode).toBe(2)
      const verify = await kafka(['log', 'verify'])
      expect(verify.exitCode).toBe(2)
      expect(verify.stderr).toContain('works on a log directory only')
      const both = await run(['topic', 'list', '--dir', tmpLogDir(), '--bootstrap-server', bootstrap])
      expect(both.exitCode).toBe(2)
      const jsonError = await kafka(['topic', 'describe', 'nosuch-topic', '--json'])
      expect(jsonError.exitCode).toBe(3)
      expect(JSON.parse(jsonError.stdout).error.code).toBe('UNKNOWN_TOPIC')
      const port = bootstrap.split(',')[0].split(':').pop()
      const itself = await run(['mirror', `kafka://localhost:${port}`, `kafka://127.0.0.1:${port}`, '--topic', 'noflags'])
      expect(itself.exitCode).toBe(2)
      expect(itself.stderr).toContain('the same data')
      const down = await run(['topic', 'list', '--bootstrap-server', '127.0.0.1:1'])
      expect(down.exitCode).toBe(1)
      expect(down.stderr).toContain('cannot reach kafka://127.0.0.1:1')
      expect(down.stderr).not.toMatch(/\n\s+at /)
    })

    it('top prints a snapshot of the cluster off a terminal', async () => {
      await kafka(['topic', 'create', 'topt', '-p', '2'])
      await kafka(['produce', 'topt', 'a', 'b', 'c'])
      const snapshot = JSON.parse((await kafka(['top', '--json'])).stdout) as {topics: Array<{name: string; messages: number}>}
      expect(snapshot.topics.find((t) => t.name === 'topt')?.messages).toBe(3)
    })
  })

  describe('strom mirror', () => {
    it('a directory through Kafka into another directory: same keys, values, headers, timestamps, order; with group offsets', async () => {
      const source = tmpLogDir()
      const back = tmpLogDir()
      expect((await local(source, ['topic', 'create', 'orders', '-p', '3'])).exitCode).toBe(0)
      expect((await local(source, ['produce', 'orders', '--json'], {input: envelopes(3000)})).exitCode).toBe(0)
      expect((await local(source, ['consume', 'orders', '--group', 'billing', '-n', '1000'])).exitCode).toBe(0)

      const out = await run(['mirror', `dir:${source}`, `kafka://${bootstrap}`, '--topic', 'orders', '--groups'])
      expect(out.exitCode, out.stderr).toBe(0)
      expect(out.stderr).toMatch(/mirrored 3000 messages .* msg\/s/)
      const home = await run(['mirror', `kafka://${bootstrap}`, `dir:${back}`, '--topic', 'orders', '--groups', '--group', 'billing'])
      expect(home.exitCode, home.stderr).toBe(0)

      const original = await perPartition((a) => local(source, a), 'orders', 3, ['--json'])
      expect(await perPartition((a) => local(back, a), 'orders', 3, ['--json'])).toEqual(original)
      const lagOf = async (dir: string) => (JSON.parse((await local(dir, ['group', 'describe', 'billing', '--json'])).stdout) as {totalLag: number}).totalLag
      expect(await lagOf(back)).toBe(await lagOf(source))

      // Run again: nothing new, nothing copied twice.
      const again = await run(['mirror', `dir:${source}`, `kafka://${bootstrap}`, '--topic', 'orders'])
      expect(again.exitCode, again.stderr).toBe(0)
      expect(again.stderr).toMatch(/mirrored 0 messages/)
    })

    it('killed mid-copy (SIGKILL) and started again: directory -> Kafka -> directory, every message exactly once, byte-identical (keys, values, headers, timestamps, partitions)', async () => {
      const source = tmpLogDir()
      const target = tmpLogDir()
      expect((await local(source, ['topic', 'create', 'bulk', '-p', '3'])).exitCode).toBe(0)
      // A million on the real broker, as the interop claim says; fewer through strom serve (the same code path).
      const total = servedDir ? 300_000 : 1_000_000
      expect((await local(source, ['produce', 'bulk', '--json'], {input: envelopes(total)})).exitCode).toBe(0)
      const into = `kafka://${bootstrap}`
      const state = path.join(tmpLogDir(), 'mirror-state.json')
      const interrupted = execa('node', [BIN, 'mirror', `dir:${source}`, into, '--topic', 'bulk', '--state', state], {env: {NO_COLOR: '1'}, reject: false})
      // Kill it right after its first checkpoint, with most of the topic still to copy.
      const checkpointed = () => {
        try {
          const saved = JSON.parse(fs.readFileSync(state, 'utf8')) as {partitions: Record<string, {destEnd: number}>}
          return Object.values(saved.partitions).some((p) => p.destEnd > 0)
        } catch {
          return false
        }
      }
      await waitFor(checkpointed, 240_000, 2)
      interrupted.kill('SIGKILL')
      await interrupted
      const resumed = await run(['mirror', `dir:${source}`, into, '--topic', 'bulk', '--state', state])
      expect(resumed.exitCode, resumed.stderr).toBe(0)
      // The first run really was cut short: the second copied only the rest.
      const copiedAfter = Number(/mirrored (\d+) messages/.exec(resumed.stderr)?.[1])
      expect(copiedAfter).toBeGreaterThan(0)
      expect(copiedAfter).toBeLessThan(total)
      const home = await run(['mirror', into, `dir:${target}`, '--topic', 'bulk'])
      expect(home.exitCode, home.stderr).toBe(0)
      const format = ['-F', '%o %T %k=%v %h\\n']
      const copied = await perPartition((a) => local(target, a), 'bulk', 3, format)
      const original = await perPartition((a) => local(source, a), 'bulk', 3, format)
      expect(copied.map((p) => p.length)).toEqual(original.map((p) => p.length))
      expect(copied).toEqual(original)
      expect(original.join('').split('\n').filter(Boolean)).toHaveLength(total)
    }, 600_000)
  })

  describeWithClients('a strom member and a kcat member in one Kafka group', [KCAT], () => {
    it('split the partitions through the Kafka group protocol; every message read once', async () => {
      await kafka(['topic', 'create', 'mixed', '-p', '4'])
      const env = {NO_COLOR: '1'}
      const kcatMember = execa('kcat', ['-b', bootstrap, '-G', 'mixed-group', 'mixed', '-o', 'beginning', '-q', '-u', '-f', '%p %s\n'], {env, reject: false, buffer: true})
      type Described = {state: string; members: Array<{id: string; clientId: string; assignment: string[]}>; partitions: Array<{owner: string | null; committed: number | null}>}
      const describe = async (): Promise<{described?: Described; text: string}> => {
        const d = await kafka(['group', 'describe', 'mixed-group', '--json'])
        return {described: d.exitCode === 0 ? JSON.parse(d.stdout) as Described : undefined, text: d.stdout + d.stderr}
      }
      let last = ''
      // kcat has joined and holds all four partitions before the strom member joins.
      await waitFor(async () => {
        const {described, text} = await describe()
        last = text
        return described?.state === 'Stable' && described.members.length === 1 && described.members[0].assignment.length === 4
      }, 45_000, 250).catch((error: Error) => {
        throw new Error(`${error.message}: kcat never held the group alone: ${last}`)
      })
      const stromMember = execa('node', [BIN, 'consume', 'mixed', '--group', 'mixed-group', '-f', '--bootstrap-server', bootstrap, '-F', '%p %v\n'], {env, reject: false, buffer: true})
      let strom = ''
      let kcat = ''
      stromMember.stdout!.on('data', (chunk: Buffer) => (strom += chunk.toString()))
      kcatMember.stdout!.on('data', (chunk: Buffer) => (kcat += chunk.toString()))
      // Both in the group and the rebalance done: a Stable group whose two members each hold
      // partitions. (Messages produced while kcat still held all four, before the second generation,
      // would be kcat's to read, and the strom member starts its new partitions at the end.) And the
      // strom member positioned: with --reset latest it commits the end it starts from at once.
      await waitFor(async () => {
        const {described, text} = await describe()
        last = text
        if (described?.state !== 'Stable' || described.members.length !== 2 || !described.members.every((m) => m.assignment.length > 0)) return false
        const stromId = described.members.find((m) => m.clientId === 'strom')?.id
        const owned = described.partitions.filter((p) => p.owner === stromId)
        return owned.length > 0 && owned.every((p) => p.committed !== null)
      }, 45_000, 250).catch((error: Error) => {
        throw new Error(`${error.message}: the group never settled with both members positioned: ${last}\n${servedDir ? `serve: ${serve.stderr().slice(-2000)}` : ''}`)
      })
      expect((await kafka(['produce', 'mixed', '--partitioner', 'round-robin'], {input: Array.from({length: 40}, (_, i) => `m${i}`).join('\n') + '\n'})).exitCode).toBe(0)
      await waitFor(() => (strom + kcat).split('\n').filter(Boolean).length >= 40, 20_000, 100)
      stromMember.kill('SIGINT')
      kcatMember.kill('SIGINT')
      const [stromResult] = await Promise.all([stromMember, kcatMember])
      const partitionsOf = (text: string) => new Set(text.split('\n').filter(Boolean).map((l) => l.split(' ')[0]))
      // Each side read some partitions, none read by both, and all 40 messages arrived exactly once.
      expect(partitionsOf(strom).size, `strom member: exit ${stromResult.exitCode}, stderr: ${String(stromResult.stderr)}`).toBeGreaterThan(0)
      expect(partitionsOf(kcat).size).toBeGreaterThan(0)
      expect([...partitionsOf(strom)].filter((p) => partitionsOf(kcat).has(p))).toEqual([])
      const values = (strom + kcat).split('\n').filter(Boolean).map((l) => l.split(' ')[1]).sort()
      expect(values).toEqual(Array.from({length: 40}, (_, i) => `m${i}`).sort())
    }, 90_000)
  })
})

describeWithClients('a profile with SASL/PLAIN over TLS (strom serve)', [OPENSSL], () => {
  it('reaches a server that requires both; a wrong password or plaintext is a clean error', async () => {
    const dir = tmpLogDir()
    const {cert, key} = selfSignedCert(dir)
    const secure = await startServe(path.join(dir, 'data'), ['--sasl-users', usersFile(dir, 'alice:wonderland\n'), '--tls-cert', cert, '--tls-key', key])
    try {
      const address = `localhost:${secure.port}`
      const config = path.join(dir, 'config.json')
      fs.writeFileSync(config, JSON.stringify({profiles: {
        secure: {bootstrapServers: address, sasl: {mechanism: 'plain', username: 'alice', password: 'wonderland'}, tls: {ca: cert}},
        wrong: {bootstrapServers: address, sasl: {mechanism: 'plain', username: 'alice', password: 'guess'}, tls: {ca: cert}},
      }}))
      const env = {STROM_CONFIG: config}
      expect((await run(['topic', 'create', 'sec', '-p', '2', '--profile', 'secure'], {env})).exitCode).toBe(0)
      expect((await run(['produce', 'sec', '--profile', 'secure', 'one', 'two'], {env})).exitCode).toBe(0)
      const read = await run(['consume', 'sec', '--profile', 'secure'], {env})
      expect(read.stdout.split('\n').filter(Boolean).sort()).toEqual(['one', 'two'])
      const wrong = await run(['topic', 'list', '--profile', 'wrong'], {env})
      expect(wrong.exitCode).toBe(1)
      expect(wrong.stderr).toContain('authentication failed')
      const plain = await run(['topic', 'list', '--bootstrap-server', address])
      expect(plain.exitCode).toBe(1)
      expect(plain.stderr).toContain('cannot reach')
    } finally {
      await secure.stop()
    }
  }, 60_000)
})
