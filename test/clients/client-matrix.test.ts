/**
 * The client matrix: real Kafka clients drive one `strom serve` through the same operations (produce
 * with keys, headers and each codec; consume from the beginning, from the end and from a timestamp
 * without a group; a group of three members that commit and split the partitions; admin create,
 * list and delete). Each client's driver is a small program beside this file printing `key value`
 * facts (kafka_python_check.py, confluent_check.py, franz/main.go, platformatic_check.mjs,
 * java/StromMatrixCheck.java); what the directory holds is checked with strom itself.
 *
 * Clients: Debian's kafka-python 2.0.2 and kcat (librdkafka 2.0.2), whose other operations are in
 * test/integration/serve*.test.ts, the newest kafka-python, confluent-kafka (a recent librdkafka)
 * and franz-go, installed by scripts/peer-clients.sh (which .ci/run calls), and @platformatic/kafka
 * (a devDependency), and Apache Kafka's Java client (kafka-clients 4.x on Kafka's Maven classpath,
 * java/StromMatrixCheck.java compiled once per run), whose idempotent bulk produce and wider admin
 * surface are in test/kafka/java-client.test.ts.
 */
import {execa, type ResultPromise} from 'execa'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import {createRequire} from 'node:module'
import path from 'node:path'
import zlib from 'node:zlib'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {KAFKA_SCRIPT, compiledJava} from '../helpers/real-kafka.js'
import {ROOT, strom, tmpLogDir, waitFor} from '../helpers/strom.js'
import {KAFKA_PYTHON, KCAT, PYTHON, type ClientTool, type ServeProcess, describeWithClients, kcat, startServe} from '../integration/serve-harness.js'

const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'strom')
const PEER_PYTHON = path.join(CACHE, 'pyclients', 'bin', 'python')
const FRANZ = path.join(CACHE, 'franz-check')
const HERE = path.join(ROOT, 'test', 'clients')
const INSTALL = 'bash scripts/peer-clients.sh'

function imports(python: string, modules: string): boolean {
  return fs.existsSync(python) && spawnSync(python, ['-c', `import ${modules}`], {stdio: 'ignore', timeout: 20_000}).status === 0
}

const KAFKA_PYTHON_NEWEST: ClientTool = {name: 'kafka-python (newest)', available: imports(PEER_PYTHON, 'kafka, lz4.frame, snappy, zstandard'), install: INSTALL}
const CONFLUENT: ClientTool = {name: 'confluent-kafka', available: imports(PEER_PYTHON, 'confluent_kafka'), install: INSTALL}
const FRANZ_GO: ClientTool = {name: 'franz-go', available: fs.existsSync(FRANZ), install: INSTALL}
/** Debian's confluent-kafka 1.7 on its librdkafka 2.0.2, for the system python. */
const SYSTEM_PYTHON = '/usr/bin/python3'
const CONFLUENT_DEBIAN: ClientTool = {name: 'confluent-kafka 1.7 (Debian)', available: imports(SYSTEM_PYTHON, 'confluent_kafka'), install: 'apt-get install python3-confluent-kafka'}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

/** @platformatic/kafka (a devDependency), importable from this checkout. */
const PLATFORMATIC: ClientTool = {name: '@platformatic/kafka', available: resolves('@platformatic/kafka'), install: 'npm ci'}
/**
 * Its codecs: gzip (node:zlib), snappy and lz4 (its own WebAssembly), and zstd only through
 * node:zlib's zstdCompressSync (Node >= 22.15); on an older Node it refuses zstd, so it is not listed.
 */
const PLATFORMATIC_CODECS = CODECS.filter((codec) => codec !== 'zstd' || typeof (zlib as {zstdCompressSync?: unknown}).zstdCompressSync === 'function')

/**
 * The Java client (kafka-clients 4.x, with the four codecs' jars): java and javac, and Kafka's
 * classpath from scripts/kafka.sh (Maven resolves it once, then it is cached).
 */
const JAVA: ClientTool = {
  name: 'Java kafka-clients 4.x',
  available: spawnSync('bash', ['-c', 'command -v java && command -v javac'], {stdio: 'ignore'}).status === 0 && spawnSync('bash', [KAFKA_SCRIPT, 'classpath'], {stdio: 'ignore', timeout: 300_000}).status === 0,
  install: 'apt-get install openjdk-17-jdk-headless maven',
}

function resolves(specifier: string): boolean {
  try {
    createRequire(import.meta.url).resolve(specifier)
    return true
  } catch {
    return false
  }
}
/** The timestamps the from-timestamp cases read by: records t0..t9, one second apart. */
const T0 = 1_600_000_000_000

let dir: string
let serve: ServeProcess

beforeAll(async () => {
  dir = tmpLogDir()
  serve = await startServe(dir)
})

afterAll(async () => {
  await serve?.stop()
})

interface Driver {
  tool: ClientTool
  /** Topic and group names start with it. */
  slug: string
  command: string[]
  codecs: readonly string[]
  /** Builds the command once, before the driver's cases run (the Java driver compiles here). */
  prepare?: () => Promise<string[]>
}

/** Runs a driver: its facts (`key value` lines; `record` lines collected apart) or a failure with its stderr. */
async function run(driver: Driver, args: string[], timeoutMs = 70_000) {
  const [command, ...prefix] = driver.command
  const result = await execa(command!, [...prefix, args[0]!, serve.bootstrap, ...args.slice(1)], {reject: false, timeout: timeoutMs})
  const facts: Record<string, string> = {}
  const records: string[] = []
  for (const line of String(result.stdout).split('\n')) {
    if (line === '') continue
    const space = line.indexOf(' ')
    const [key, value] = space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)]
    if (key === 'record') records.push(value)
    else facts[key] = value
  }
  if (result.exitCode !== 0) throw new Error(`${driver.tool.name} ${args.join(' ')} exited ${result.exitCode}${result.timedOut ? ' (timed out)' : ''}:\n${String(result.stderr).slice(-3000)}`)
  return {facts, records, stderr: String(result.stderr)}
}

/** A `record` line's fields: partition:offset key value headers timestamp. */
function parseRecord(line: string) {
  const [position, key, value, headers, timestamp] = line.split(' ')
  return {position: position!, key: key!, value: value!, headers: headers!, timestamp: Number(timestamp)}
}

async function createTopic(topic: string, partitions: number) {
  const result = await strom(dir, ['topic', 'create', topic, '--partitions', String(partitions)])
  expect(result.exitCode, result.stderr).toBe(0)
}

/** Ten records t0..t9 over two partitions, with CreateTime timestamps T0 + i seconds. */
async function seedTimestamped(topic: string) {
  await createTopic(topic, 2)
  const input = Array.from({length: 10}, (_, i) => JSON.stringify({key: `t${i}`, value: `v${i}`, timestamp: T0 + i * 1000, headers: [{key: 'i', value: String(i)}]})).join('\n') + '\n'
  const seeded = await strom(dir, ['produce', topic, '--json'], {input})
  expect(seeded.exitCode, seeded.stderr).toBe(0)
}

async function storedCodecs(topic: string): Promise<string[]> {
  const dump = await strom(dir, ['log', 'dump', topic, '--json'])
  expect(dump.exitCode, dump.stderr).toBe(0)
  return [...new Set(dump.stdout.trim().split('\n').map((line) => (JSON.parse(line) as {compression: string}).compression))]
}

interface GroupView {
  members: Array<{id: string; assignment: string[]}>
  partitions: Array<{partition: number; committed: number | null; end: number; lag: number | null}>
}

async function describeGroup(group: string): Promise<GroupView | undefined> {
  const result = await strom(dir, ['group', 'describe', group, '--json'])
  return result.exitCode === 0 ? (JSON.parse(result.stdout) as GroupView) : undefined
}

/** What every driver's produce/consume/group/admin cases check, the same for each client. */
function clientCases(driver: Driver) {
  const {prepare} = driver
  if (prepare) beforeAll(async () => void (driver.command = await prepare()), 300_000)
  for (const codec of driver.codecs) {
    it(`produce (keys, headers, ${codec}): stored as sent; consume from the beginning reads it all back`, async () => {
      const topic = `${driver.slug}-p-${codec}`
      await createTopic(topic, 3)
      const produced = await run(driver, ['produce', topic, '30', codec])
      expect(produced.facts.acked).toBe('30')
      const stored = (await strom(dir, ['consume', topic, '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line) as {key: string; value: string; headers: Array<{key: string; value: string}>})
      const bySeq = stored.sort((a, b) => Number(a.headers[0]!.value) - Number(b.headers[0]!.value))
      expect(bySeq.map((r) => [r.key, r.value, r.headers])).toEqual(Array.from({length: 30}, (_, i) => [`k${i}`, `v${i}-${'x'.repeat(200)}`, [{key: 'seq', value: String(i)}]]))
      expect(await storedCodecs(topic)).toEqual([codec])
      const consumed = await run(driver, ['consume', topic, 'beginning'])
      expect(consumed.facts.consumed).toBe('30')
      const read = consumed.records.map(parseRecord).map((r) => `${r.key} ${r.value} ${r.headers}`).sort()
      expect(read).toEqual(Array.from({length: 30}, (_, i) => `k${i} v${i}-${'x'.repeat(200)} seq=${i}`).sort())
    })
  }

  it('consume from the end: only records produced after it positioned', async () => {
    const topic = `${driver.slug}-end`
    await createTopic(topic, 2)
    expect((await strom(dir, ['produce', topic], {input: 'old1\nold2\nold3\n'})).exitCode).toBe(0)
    const consumed = await run(driver, ['consume', topic, 'end'])
    expect(consumed.facts.old_records).toBe('0')
    expect(consumed.records.length).toBeGreaterThan(0)
    expect(consumed.records.map((line) => parseRecord(line).value).filter((value) => !/^after-\d+$/.test(value))).toEqual([])
  })

  it('consume from a timestamp: the records at or after it, with their timestamps', async () => {
    const topic = `${driver.slug}-ts`
    await seedTimestamped(topic)
    const consumed = await run(driver, ['consume', topic, String(T0 + 5500)])
    expect(consumed.facts.consumed).toBe('4')
    const read = consumed.records.map(parseRecord).map((r) => `${r.key} ${r.value} ${r.headers} ${r.timestamp - T0}`).sort()
    expect(read).toEqual(['t6 v6 i=6 6000', 't7 v7 i=7 7000', 't8 v8 i=8 8000', 't9 v9 i=9 9000'])
  })

  it('a group of three members: the partitions split between them, every record read once, offsets committed', async () => {
    const topic = `${driver.slug}-group`
    const group = `${driver.slug}-g3`
    await createTopic(topic, 6)
    const result = await run(driver, ['group', topic, group, '60'])
    expect(result.facts).toEqual({members_with_partitions: '3', consumed: '60', distinct: '60', members_with_records: '3', overlaps: '0'})
    const view = await describeGroup(group)
    expect(view?.partitions.map((p) => [p.committed, p.lag])).toEqual(Array.from({length: 6}, () => [10, 0]))
  })

  it('admin: create a topic, list it, delete it', async () => {
    const topic = `${driver.slug}-admin`
    const result = await run(driver, ['admin', topic])
    expect(result.facts).toEqual({created: topic, listed: 'true', partitions: '3', deleted: 'true'})
    expect((await strom(dir, ['topic', 'list'])).stdout).not.toContain(topic)
  })
}

const DRIVERS: Driver[] = [
  // 2.0.2's codecs are in test/integration/serve-compression.test.ts: here only the plain batch, for keys and headers.
  {tool: KAFKA_PYTHON, slug: 'kp2', command: [PYTHON, path.join(HERE, 'kafka_python_check.py')], codecs: ['none']},
  {tool: KAFKA_PYTHON_NEWEST, slug: 'kpn', command: [PEER_PYTHON, path.join(HERE, 'kafka_python_check.py')], codecs: CODECS},
  {tool: CONFLUENT, slug: 'ck', command: [PEER_PYTHON, path.join(HERE, 'confluent_check.py')], codecs: CODECS},
  {tool: CONFLUENT_DEBIAN, slug: 'ck17', command: [SYSTEM_PYTHON, path.join(HERE, 'confluent_check.py')], codecs: CODECS},
  {tool: FRANZ_GO, slug: 'fz', command: [FRANZ], codecs: CODECS},
  {tool: PLATFORMATIC, slug: 'pk', command: [process.execPath, path.join(HERE, 'platformatic_check.mjs')], codecs: PLATFORMATIC_CODECS},
  {tool: JAVA, slug: 'jv', command: [], codecs: CODECS, prepare: () => compiledJava(path.join(HERE, 'java', 'StromMatrixCheck.java'))},
]

for (const driver of DRIVERS) {
  describeWithClients(driver.tool.name, [driver.tool], () => clientCases(driver))
}

/** kcat's produce (keys, headers, codecs), consume from the beginning and one-member group are in test/integration. */
describeWithClients('kcat', [KCAT], () => {
  it('-o end: only records produced after it positioned', async () => {
    await createTopic('kcat-end', 2)
    expect((await strom(dir, ['produce', 'kcat-end'], {input: 'old1\nold2\nold3\n'})).exitCode).toBe(0)
    const reader = kcat(['-b', serve.bootstrap, '-C', '-t', 'kcat-end', '-o', 'end', '-c', '1', '-q', '-f', '%o %s\\n'], undefined, 30_000)
    let done = false
    void reader.then(() => (done = true))
    // kcat's position resolves after it starts: produce until it has read one.
    for (let i = 0; !done && i < 100; i++) {
      await strom(dir, ['produce', 'kcat-end', `after-${i}`, '-p', '0'])
      await Promise.race([reader, new Promise((resolve) => setTimeout(resolve, 200))])
    }
    const result = await reader
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^\d+ after-\d+\n$/)
  })

  it('-o s@TIMESTAMP: the records at or after it, with their timestamps', async () => {
    await seedTimestamped('kcat-ts')
    const result = await kcat(['-b', serve.bootstrap, '-C', '-t', 'kcat-ts', '-o', `s@${T0 + 5500}`, '-e', '-q', '-f', '%k %s %h %T\\n'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.trim().split('\n').sort()).toEqual([6, 7, 8, 9].map((i) => `t${i} v${i} i=${i} ${T0 + i * 1000}`))
  })

  it('-G with three members: the partitions split between them, every record read once, offsets committed', async () => {
    await createTopic('kcat-group', 6)
    const members: Array<{process: ResultPromise; out: string}> = []
    for (let m = 0; m < 3; m++) {
      const child = execa('kcat', ['-b', serve.bootstrap, '-G', 'kcat-g3', 'kcat-group', '-X', 'auto.offset.reset=earliest', '-u', '-q', '-f', '%p %o %s\\n'], {reject: false, buffer: false, stdin: 'ignore'})
      const member = {process: child, out: ''}
      child.stdout!.on('data', (chunk: Buffer) => (member.out += chunk.toString()))
      child.stderr!.resume()
      members.push(member)
    }
    try {
      // Produce only once all three hold partitions, so no member reads everything before the others join.
      await waitFor(async () => {
        const view = await describeGroup('kcat-g3')
        return view !== undefined && view.members.length === 3 && view.members.every((m) => m.assignment.length > 0)
      }, 30_000, 200)
      const produced = await strom(dir, ['produce', 'kcat-group', '--partitioner', 'round-robin'], {input: Array.from({length: 60}, (_, i) => `v${i}`).join('\n') + '\n'})
      expect(produced.exitCode, produced.stderr).toBe(0)
      const lines = () => members.flatMap((m) => m.out.split('\n').filter(Boolean))
      await waitFor(() => lines().length >= 60, 30_000, 100)
      expect(lines().map((line) => line.split(' ')[2]).sort()).toEqual(Array.from({length: 60}, (_, i) => `v${i}`).sort())
      const partitionsOf = members.map((m) => new Set(m.out.split('\n').filter(Boolean).map((line) => line.split(' ')[0])))
      expect(partitionsOf.map((s) => s.size > 0)).toEqual([true, true, true])
      expect(partitionsOf.reduce((n, s) => n + s.size, 0)).toBe(6)
    } finally {
      for (const m of members) m.process.kill('SIGTERM')
      await Promise.all(members.map((m) => m.process))
    }
    // kcat commits automatically (enable.auto.commit) and once more when it closes.
    await waitFor(async () => (await describeGroup('kcat-g3'))?.partitions.every((p) => p.lag === 0) ?? false, 15_000, 200)
    expect((await describeGroup('kcat-g3'))?.partitions.map((p) => p.committed)).toEqual(Array.from({length: 6}, () => 10))
  })
})
