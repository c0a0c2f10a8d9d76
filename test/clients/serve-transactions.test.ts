/**
 * Kafka transactions through `strom serve`, driven by real clients (the acceptance of serve's
 * transaction coordinator): Apache Kafka's Java client (java/StromTxnCheck.java: commit and abort,
 * fencing by a second producer, consume-transform-produce with sendOffsetsToTransaction in a group),
 * confluent-kafka (confluent_txn_check.py: an aborted transaction, then a read_committed group
 * member copying a topic with send_offsets_to_transaction), and kafka-python, which reads
 * read_uncommitted: every data record, aborted ones included, and no control record. Handler-level
 * checks (error codes per version, LSO, timeout) are in test/unit/server/transactions.test.ts.
 *
 * Debian's kafka-python 2.0.2 is not among them: it hands COMMIT/ABORT markers to the application as
 * records (it does not skip control batches), as it does with a Kafka broker.
 */
import {execa} from 'execa'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {KAFKA_SCRIPT, compiledJava} from '../helpers/real-kafka.js'
import {ROOT, strom, tmpLogDir, waitFor} from '../helpers/strom.js'
import {type ClientTool, type ServeProcess, describeWithClients, startServe} from '../integration/serve-harness.js'

const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'strom')
const PEER_PYTHON = path.join(CACHE, 'pyclients', 'bin', 'python')
const HERE = path.join(ROOT, 'test', 'clients')
const INSTALL = 'bash scripts/peer-clients.sh'

function imports(python: string, modules: string): boolean {
  return fs.existsSync(python) && spawnSync(python, ['-c', `import ${modules}`], {stdio: 'ignore', timeout: 20_000}).status === 0
}

const CONFLUENT: ClientTool = {name: 'confluent-kafka', available: imports(PEER_PYTHON, 'confluent_kafka'), install: INSTALL}
const KAFKA_PYTHON_NEWEST: ClientTool = {name: 'kafka-python (newest)', available: imports(PEER_PYTHON, 'kafka'), install: INSTALL}
const JAVA: ClientTool = {
  name: 'Java kafka-clients 4.x',
  available: spawnSync('bash', ['-c', 'command -v java && command -v javac'], {stdio: 'ignore'}).status === 0 && spawnSync('bash', [KAFKA_SCRIPT, 'classpath'], {stdio: 'ignore', timeout: 300_000}).status === 0,
  install: 'apt-get install openjdk-17-jdk-headless maven',
}

let dir: string
let serve: ServeProcess

beforeAll(async () => {
  dir = tmpLogDir()
  serve = await startServe(dir)
})

afterAll(async () => {
  await serve?.stop()
})

async function createTopic(topic: string, partitions = 2) {
  const result = await strom(dir, ['topic', 'create', topic, '--partitions', String(partitions)])
  expect(result.exitCode, result.stderr).toBe(0)
}

/** `count` records r1..r<count> (no keys), produced by strom itself. */
async function fill(topic: string, count: number) {
  await createTopic(topic)
  const result = await strom(dir, ['produce', topic], {input: Array.from({length: count}, (_, i) => `r${i + 1}`).join('\n') + '\n'})
  expect(result.exitCode, result.stderr).toBe(0)
}

/** Runs a driver: `key value` facts, and `record` lines apart; throws with its stderr on failure. */
async function run(command: string[], args: string[], timeoutMs = 90_000) {
  const [program, ...prefix] = command
  const result = await execa(program!, [...prefix, ...args], {reject: false, timeout: timeoutMs})
  if (result.exitCode !== 0) throw new Error(`${command.at(-1)} ${args.join(' ')} exited ${result.exitCode}${result.timedOut ? ' (timed out)' : ''}:\n${String(result.stderr).slice(-3000)}\n${serve.stderr().slice(-2000)}`)
  const facts: Record<string, string> = {}
  const records: string[] = []
  for (const line of String(result.stdout).split('\n')) {
    if (line === '') continue
    const space = line.indexOf(' ')
    const [key, value] = space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)]
    if (key === 'record') records.push(value)
    else facts[key] = value
  }
  return {facts, records}
}

/** Keys of `record` lines (`[isolation] partition:offset key value`), sorted. */
function keysOf(records: string[], isolation?: string): string[] {
  return records
    .map((line) => line.split(' '))
    .filter((fields) => isolation === undefined || fields[0] === isolation)
    .map((fields) => fields[isolation === undefined ? 1 : 2]!)
    .sort()
}

const range = (prefix: string, count: number) => Array.from({length: count}, (_, i) => `${prefix}${i}`).sort()

describeWithClients('Java client transactions', [JAVA], () => {
  let java: string[]
  beforeAll(async () => {
    java = await compiledJava(path.join(HERE, 'java', 'StromTxnCheck.java'))
  }, 300_000)

  it('commit, abort, commit: read_committed sees the committed records only, read_uncommitted all data, neither a marker', async () => {
    await createTopic('jv-txn')
    const {facts, records} = await run(java, ['txn', serve.bootstrap, 'jv-txn', 'jv-tx-1'])
    expect(facts.produced).toBe('ok')
    expect(keysOf(records, 'read_committed')).toEqual([...range('t0-', 5), ...range('t2-', 5)].sort())
    expect(facts['read_committed.count']).toBe('10')
    expect(keysOf(records, 'read_uncommitted')).toEqual([...range('a-', 5), ...range('t0-', 5), ...range('t2-', 5)].sort())
    // 15 data records and one marker per partition per transaction that wrote there.
    expect(Number(facts['read_uncommitted.end'])).toBeGreaterThan(15)
  }, 120_000)

  it('a second producer with the same transactional.id fences the first: its commit fails with ProducerFencedException, its records are never visible', async () => {
    await createTopic('jv-fence')
    const {facts, records} = await run(java, ['fence', serve.bootstrap, 'jv-fence', 'jv-tx-2'])
    expect(facts.fenced).toBe('true')
    expect(facts.second).toBe('ok')
    expect(keysOf(records, 'read_committed')).toEqual(['second-0', 'second-1'])
  }, 120_000)

  it('consume-transform-produce: a read_committed group member copies a topic with sendOffsetsToTransaction; the offsets commit with the output', async () => {
    await fill('jv-in', 30)
    await createTopic('jv-out')
    const {facts, records} = await run(java, ['ctp', serve.bootstrap, 'jv-in', 'jv-out', 'jv-group', 'jv-tx-3', '30'])
    expect(facts.copied).toBe('30')
    expect(facts.committed).toBe('30')
    expect(records.map((line) => line.split(' ')[3]).sort()).toEqual(Array.from({length: 30}, (_, i) => `R${i + 1}`).sort())
    // The transaction's offsets are the group's, as strom sees them.
    const described = await strom(dir, ['group', 'describe', 'jv-group', '--json'])
    expect(described.exitCode, described.stderr).toBe(0)
    const partitions = (JSON.parse(described.stdout) as {partitions: Array<{committed: number}>}).partitions
    expect(partitions.reduce((sum, p) => sum + p.committed, 0)).toBe(30)
  }, 120_000)
})

describeWithClients('confluent-kafka transactions, kafka-python reading', [CONFLUENT, KAFKA_PYTHON_NEWEST], () => {
  it('an aborted transaction, then a transactional copy loop with send_offsets_to_transaction: read_committed sees the copies only; kafka-python (read_uncommitted) sees all data and no marker', async () => {
    await fill('ck-in', 20)
    await createTopic('ck-out')
    const loop = await run([PEER_PYTHON, path.join(HERE, 'confluent_txn_check.py')], ['loop', serve.bootstrap, 'ck-in', 'ck-out', 'ck-group', 'ck-tx', '20'])
    expect(loop.facts.aborted).toBe('3')
    expect(loop.facts.copied).toBe('20')
    expect(loop.facts.committed).toBe('20')
    expect(Number(loop.facts.transactions)).toBeGreaterThanOrEqual(1)

    const committed = await run([PEER_PYTHON, path.join(HERE, 'confluent_txn_check.py')], ['read', serve.bootstrap, 'ck-out', 'read_committed'])
    const copies = Array.from({length: 20}, (_, i) => `R${i + 1}`).sort()
    expect(committed.records.map((line) => line.split(' ')[2]).sort()).toEqual(copies)

    const uncommitted = await run([PEER_PYTHON, path.join(HERE, 'kafka_python_txn_check.py')], ['read', serve.bootstrap, 'ck-out'])
    expect(uncommitted.facts.count).toBe('23')
    const values = uncommitted.records.map((line) => line.split(' ').slice(2).join(' '))
    expect(values.filter((v) => v === 'never visible')).toHaveLength(3)
    expect(values.filter((v) => v !== 'never visible').sort()).toEqual(copies)
    // The markers take offsets (the end is past the records) but are never handed out as records.
    expect(Number(uncommitted.facts.end)).toBeGreaterThan(23)
  }, 150_000)

  it("a client that dies inside a transaction: serve aborts it after transaction.timeout.ms, and the last stable offset moves past it", async () => {
    await createTopic('ck-orphan', 1)
    const confluent = [PEER_PYTHON, path.join(HERE, 'confluent_txn_check.py')]
    expect((await run(confluent, ['die', serve.bootstrap, 'ck-orphan', 'ck-orphan-tx'])).facts.open).toBe('3')
    const stableEnd = async () => Number((await run(confluent, ['read', serve.bootstrap, 'ck-orphan', 'read_committed'])).facts.end)
    // While it is open the LSO is its first offset; once aborted, past the 3 records and the marker.
    await waitFor(async () => (await stableEnd()) === 4, 30_000, 200)
    const committed = await run(confluent, ['read', serve.bootstrap, 'ck-orphan', 'read_committed'])
    expect(committed.records).toEqual([])
  }, 60_000)
})
