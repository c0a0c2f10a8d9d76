/**
 * `strom process --bootstrap-server` against Apache Kafka (scripts/kafka.sh): members are real
 * bin/run.js processes, COMMAND a real program, the transactions and group Kafka's own. Outputs are
 * read back read_committed with strom's KafkaReader once every transaction has ended (the last
 * stable offset reached the high watermark), so nothing left open can hide or add a record.
 *
 * - three members with `cat` split 6 partitions: each input's output once, in per-key order;
 * - torture: members and their COMMAND children SIGKILLed at random moments (a killed member is
 *   started again): exactly one result per input, in per-key order.
 */
import {randomUUID} from 'node:crypto'
import {execa, type ResultPromise} from 'execa'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {EARLIEST, KafkaAdmin, LATEST} from '../../src/client/admin.js'
import {KafkaCluster} from '../../src/client/cluster.js'
import {KafkaReader} from '../../src/backends/kafka/kafka-reader.js'
import {KafkaTransactionalProducer} from '../../src/client/transactional-producer.js'
import {partitionForKey} from '../../src/core/topic/murmur2.js'
import {ListTransactions} from '../../src/protocol/apis/index.js'
import {BIN, waitFor} from '../helpers/strom.js'
import {realKafka} from '../helpers/real-kafka.js'

let bootstrap: string
let cluster: KafkaCluster
let admin: KafkaAdmin
const running: ResultPromise[] = []

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

beforeAll(async () => {
  bootstrap = await realKafka()
  cluster = new KafkaCluster({brokers: [bootstrap], clientId: 'strom-process-test'})
  admin = new KafkaAdmin(cluster)
}, 300_000)

afterEach(() => {
  for (const p of running.splice(0)) p.kill('SIGKILL')
})

afterAll(() => cluster?.close())

async function createTopic(name: string, partitions: number): Promise<void> {
  await admin.createTopic(name, partitions, 1, {})
  await waitFor(async () => (await cluster.refresh([name]))[0]?.partitions.every((p) => p.leader >= 0) === true, 30_000, 100)
}

/** Produces `key:value` lines (keyed, strom's partitioner: murmur2 as Kafka's) with strom produce. */
async function produceKeyed(topic: string, lines: string): Promise<void> {
  const produced = await execa('node', [BIN, 'produce', topic, '-K:', '--bootstrap-server', bootstrap], {input: lines, reject: false})
  expect(produced.exitCode, String(produced.stderr)).toBe(0)
}

function member(args: string[], command: string[]): ResultPromise {
  const child = execa('node', [BIN, 'process', ...args, '--bootstrap-server', bootstrap, '--', ...command], {env: {NO_COLOR: '1'}, reject: false, buffer: true})
  running.push(child)
  return child
}

/** Inputs not yet covered by the group's committed offsets (Infinity before the first commit). */
async function lag(group: string, topic: string): Promise<number> {
  const ends = await admin.listOffsets(topic, LATEST)
  const committed = new Map((await admin.committedOffsets(group)).filter((o) => o.topic === topic).map((o) => [o.partition, o.offset]))
  if (committed.size === 0) return Number.POSITIVE_INFINITY
  return [...ends].reduce((sum, [partition, end]) => sum + end.offset - (committed.get(partition) ?? 0), 0)
}

/** Every committed record of `topic`, once no transaction is open on it (last stable offset = high watermark). */
async function readCommitted(topic: string, timeoutMs: number, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<Array<{partition: number; value: string}>> {
  let ends = new Map<number, {offset: number}>()
  await waitFor(async () => {
    ends = await admin.listOffsets(topic, LATEST)
    const stable = await admin.listOffsets(topic, LATEST, undefined, 'read_committed')
    return [...ends].every(([partition, end]) => stable.get(partition)?.offset === end.offset)
  }, timeoutMs, 250)
  const starts = await admin.listOffsets(topic, EARLIEST)
  const partitions = [...ends].map(([partition, end]) => ({topic, partition, position: starts.get(partition)?.offset ?? 0, end: end.offset}))
  const out: Array<{partition: number; value: string}> = []
  const reader = new KafkaReader(cluster, partitions, {follow: false, checkCrcs: true, isolation}, async () => 0, () => undefined, (error) => error)
  await reader.run((_topic, partition, record) => {
    out.push({partition, value: record.value()!.toString()})
  }, () => undefined)
  return out
}

/** Checks results "kK I" (key K, input id I): each id once, each key's ids increasing. */
function check(results: Array<{value: string}>, n: number): {results: number; duplicates: number; missing: number; outOfOrder: number} {
  const seen = new Uint8Array(n)
  const lastByKey = new Map<string, number>()
  let duplicates = 0
  let outOfOrder = 0
  for (const {value} of results) {
    const [key, idText] = value.split(' ')
    const id = Number(idText)
    if (seen[id] === 1) duplicates++
    seen[id] = 1
    if (id <= (lastByKey.get(key) ?? -1)) outOfOrder++
    lastByKey.set(key, id)
  }
  return {results: results.length, duplicates, missing: n - seen.reduce((sum, v) => sum + v, 0), outOfOrder}
}

function keyedInput(from: number, to: number, keys: number): string {
  let input = ''
  for (let i = from; i < to; i++) input += `k${i % keys}:k${i % keys} ${i}\n`
  return input
}

describe('strom process on Kafka (real broker)', () => {
  it('three members split the partitions; every input gives its output once, in per-key order', async () => {
    const [input, output, group] = [unique('in'), unique('out'), unique('g')]
    await createTopic(input, 6)
    const n = 30_000
    await produceKeyed(input, keyedInput(0, n, 97))
    const started = Date.now()
    const members = [0, 1, 2].map(() => member([input, '--to', output, '--group', group, '--batch-size', '2000'], ['cat']))
    await waitFor(async () => (await lag(group, input)) === 0, 120_000, 250)
    const took = Date.now() - started
    // All three were members (a rebalance may be settling: its member list fills once it completes).
    await waitFor(async () => (await admin.describeGroup(group)).members.length === 3, 30_000, 250)
    for (const m of members) m.kill('SIGTERM')
    for (const m of members) {
      const result = await m
      expect(result.exitCode, String(result.stderr)).toBe(143)
    }
    // The destination was created with the input's partition count.
    expect((await cluster.refresh([output]))[0]!.partitions.length).toBe(6)
    const results = await readCommitted(output, 60_000)
    // Line mode: output partition = input partition (6 = 6), so a key's outputs share a partition.
    const partitionOfKey = new Map<string, number>()
    for (const {partition, value} of results) {
      const key = value.split(' ')[0]
      expect(partitionOfKey.get(key) ?? partition).toBe(partition)
      partitionOfKey.set(key, partition)
    }
    const verdict = check(results, n)
    process.stderr.write(`kafka process: ${n} inputs, 3 members, ${verdict.results} results in ${took} ms\n`)
    expect(verdict).toEqual({results: n, duplicates: 0, missing: 0, outOfOrder: 0})
  }, 300_000)

  it('a failing command aborts its batch: nothing visible, offsets not moved, the member gives up with a clear error; a fixed command then processes each input once', async () => {
    const [input, output, group] = [unique('in'), unique('out'), unique('g')]
    await createTopic(input, 1)
    await produceKeyed(input, 'x:a\nx:b\nx:boom\nx:c\n')
    const failing = await member([input, '--to', output, '--group', group], ['sh', '-c', 'if grep -q boom; then exit 3; fi'])
    expect(failing.exitCode).not.toBe(0)
    expect(String(failing.stderr)).toMatch(/exited with status 3/)
    expect(String(failing.stderr)).toMatch(/batches in a row failed/)
    expect(String(failing.stderr)).not.toMatch(/\n\s+at /) // no stack trace
    // The start (--reset earliest) was committed when the partition was assigned; no batch moved it.
    expect(await admin.committedOffsets(group)).toEqual([{topic: input, partition: 0, offset: 0}])
    const fixed = member([input, '--to', output, '--group', group], ['tr', 'a-z', 'A-Z'])
    await waitFor(async () => (await lag(group, input)) === 0, 60_000, 250)
    fixed.kill('SIGTERM')
    expect((await fixed).exitCode).toBe(143)
    expect((await readCommitted(output, 30_000)).map((r) => r.value)).toEqual(['A', 'B', 'BOOM', 'C'])
  }, 120_000)

  it('-e: a batch job processes what is there and exits 0; run again, it processes only what came since', async () => {
    const [input, output, group] = [unique('in'), unique('out'), unique('g')]
    await createTopic(input, 2)
    await produceKeyed(input, 'a:1\nb:2\nc:3\n')
    const first = await member([input, '--to', output, '--group', group, '-e'], ['cat'])
    expect(first.exitCode, String(first.stderr)).toBe(0)
    await produceKeyed(input, 'd:4\n')
    const second = await member([input, '--to', output, '--group', group, '-e'], ['cat'])
    expect(second.exitCode, String(second.stderr)).toBe(0)
    expect((await readCommitted(output, 30_000)).map((r) => r.value).sort()).toEqual(['1', '2', '3', '4'])
  }, 120_000)

  it('--json envelopes choose key, partition (the key\'s, as Kafka\'s partitioner) and destination topic', async () => {
    const [input, valid, rejected, group] = [unique('in'), unique('valid'), unique('rejected'), unique('g')]
    await createTopic(input, 2)
    await createTopic(valid, 4)
    await createTopic(rejected, 1)
    await produceKeyed(input, 'alice:100\nbob:-5\ncarol:7\ndave:12\n')
    const router = `const rl=require('readline').createInterface({input:process.stdin});rl.on('line',l=>{const r=JSON.parse(l);const ok=Number(r.value)>0;console.log(JSON.stringify({key:r.key,value:r.value,topic:ok?undefined:'${rejected}'}))})`
    const m = member([input, '--to', valid, '--group', group, '--json'], ['node', '-e', router])
    await waitFor(async () => (await lag(group, input)) === 0, 60_000, 250)
    m.kill('SIGTERM')
    expect((await m).exitCode).toBe(143)
    const accepted = await readCommitted(valid, 30_000)
    expect(accepted.map((r) => r.value).sort()).toEqual(['100', '12', '7'])
    const keyOf = new Map([['100', 'alice'], ['7', 'carol'], ['12', 'dave']])
    for (const r of accepted) expect(r.partition).toBe(partitionForKey(Buffer.from(keyOf.get(r.value)!), 4))
    expect((await readCommitted(rejected, 30_000)).map((r) => r.value)).toEqual(['-5'])
  }, 120_000)

  it('a member waits for offsets a previous owner\'s open transaction holds (requireStable), then starts from them', async () => {
    const [input, output, group] = [unique('in'), unique('out'), unique('g')]
    await createTopic(input, 1)
    await produceKeyed(input, 'x:a\nx:b\nx:c\nx:d\n')
    // A "previous owner" whose transaction has committed the group's offset 2 but not ended yet.
    const previous = await KafkaTransactionalProducer.init(cluster, {transactionalId: unique('previous-owner'), transactionTimeoutMs: 60_000})
    previous.begin()
    await previous.sendOffsets(group, [{topic: input, partition: 0, offset: 2}])
    const m = member([input, '--to', output, '--group', group], ['tr', 'a-z', 'A-Z'])
    // The member joined (and got the partition): it is now asking for the offset, which stays unstable.
    await waitFor(async () => {
      const described = await admin.describeGroup(group)
      return described.state === 'Stable' && described.members.length === 1
    }, 60_000, 100)
    // Still waiting: it has not fallen back to --reset (which it would commit at once).
    expect(await admin.committedOffsets(group)).toEqual([])
    await previous.commit()
    await waitFor(async () => (await lag(group, input)) === 0, 60_000, 250)
    m.kill('SIGTERM')
    expect((await m).exitCode).toBe(143)
    // Without requireStable the member would have started at the earliest offset (nothing committed yet): A and B too.
    expect((await readCommitted(output, 30_000)).map((r) => r.value)).toEqual(['C', 'D'])
  }, 120_000)

  it('a previous owner killed mid-transaction: its outputs never show (the coordinator aborts it at its timeout), its inputs are processed once', async () => {
    const [input, output, group] = [unique('in'), unique('out'), unique('g')]
    await createTopic(input, 1)
    await createTopic(output, 1)
    await produceKeyed(input, 'x:a\nx:b\n')
    // A "previous owner" that sent outputs and offsets, then died: nothing ever ends its transaction but the timeout.
    const previous = await KafkaTransactionalProducer.init(cluster, {transactionalId: unique('dead-owner'), transactionTimeoutMs: 1000})
    previous.begin()
    await previous.send(output, 0, [{key: null, value: Buffer.from('A (zombie)')}])
    await previous.sendOffsets(group, [{topic: input, partition: 0, offset: 1}])
    const m = member([input, '--to', output, '--group', group], ['tr', 'a-z', 'A-Z'])
    await waitFor(async () => (await lag(group, input)) === 0, 60_000, 250)
    m.kill('SIGTERM')
    expect((await m).exitCode).toBe(143)
    expect((await readCommitted(output, 30_000)).map((r) => r.value)).toEqual(['A', 'B'])
  }, 120_000)

  it('refuses a missing source topic and writing into its own input, with one clear message each', async () => {
    const input = unique('in')
    await createTopic(input, 1)
    const missing = await member([unique('nope'), '--to', unique('out'), '--group', unique('g')], ['cat'])
    expect(missing.exitCode).not.toBe(0)
    expect(String(missing.stderr)).toMatch(/no topic 'nope-.*' to read/)
    expect(String(missing.stderr)).not.toMatch(/\n\s+at /)
    const loop = await member([input, '--to', input, '--group', unique('g')], ['cat'])
    expect(loop.exitCode).toBe(2)
    expect(String(loop.stderr)).toMatch(/also an input/)
  }, 60_000)

  it('a member whose transactional id another producer takes over stops with a clear error; its batch stays invisible', async () => {
    const [input, output, group] = [unique('in'), unique('out'), unique('g')]
    await createTopic(input, 1)
    await produceKeyed(input, 'x:one\n')
    const m = member([input, '--to', output, '--group', group], ['cat'])
    await waitFor(async () => (await lag(group, input)) === 0, 60_000, 250)
    // The member's transactional id, as its coordinator lists it.
    let transactionalId: string | undefined
    await waitFor(async () => {
      const answer = await (await cluster.any()).request(ListTransactions, {stateFilters: [], producerIdFilters: []})
      transactionalId = (answer.transactionStates as Array<{transactionalId: string}>).map((t) => t.transactionalId).find((id) => id.startsWith(`strom-process.${group}.`))
      return transactionalId !== undefined
    }, 30_000, 250)
    const usurper = await KafkaTransactionalProducer.init(cluster, {transactionalId: transactionalId!})
    expect(usurper.producerId).toBeGreaterThanOrEqual(0)
    await produceKeyed(input, 'x:two\n')
    const result = await m
    expect(result.exitCode).not.toBe(0)
    expect(String(result.stderr)).toMatch(/another producer started with this member's transactional id/)
    expect(String(result.stderr)).toMatch(/fenced and stops/)
    expect(String(result.stderr)).not.toMatch(/\n\s+at /)
    expect((await readCommitted(output, 30_000)).map((r) => r.value)).toEqual(['one'])
    expect(await lag(group, input)).toBe(1)
  }, 120_000)
})

/** The direct children of a process (its COMMAND runs). */
async function childrenOf(pid: number): Promise<number[]> {
  const found = await execa('pgrep', ['-P', String(pid)], {reject: false})
  return String(found.stdout).split('\n').filter(Boolean).map(Number)
}

const TORTURE_N = Number(process.env.STROM_KAFKA_PROCESS_TORTURE_N ?? 100_000)
const KILLS = 10
const KEYS = 1000

describe('torture: strom process on Kafka under SIGKILL', () => {
  it(`${TORTURE_N} inputs, 3 members, ${KILLS} kills of members and COMMANDs: exactly one result per input, in per-key order`, async () => {
    const [input, output, group] = [unique('tin'), unique('tout'), unique('tg')]
    await createTopic(input, 6)
    for (let from = 0; from < TORTURE_N; from += 50_000) await produceKeyed(input, keyedInput(from, Math.min(TORTURE_N, from + 50_000), KEYS))
    // A killed member's open transaction holds its partitions' offsets (and the output's last stable
    // offset) until the coordinator aborts it: a short timeout keeps the run short.
    // Small batches: many transactions, so the kills land while there is work in flight.
    const args = [input, '--to', output, '--group', group, '--batch-size', '500', '--transaction-timeout-ms', '5000']
    // cat, then a pause: a COMMAND is alive long enough to be caught, often after it printed everything
    // (the batch must abort all the same: its outputs must not count).
    const start = () => member(args, ['sh', '-c', 'cat && sleep 0.1'])
    const members = [start(), start(), start()]
    const all = [...members]
    const started = Date.now()
    let memberKills = 0
    let commandKills = 0
    const killed = new Set<ResultPromise>()
    for (let k = 0; k < KILLS; k++) {
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1000)) // a random moment of the run, not synchronisation
      if (k % 2 === 0) {
        // A COMMAND lives for a fraction of a second per batch: catch one running, in whichever member
        // (all of them may be rebalancing for a while after a member kill: its session must expire).
        let hit = false
        const deadline = Date.now() + 30_000
        while (!hit && Date.now() < deadline) {
          const children = (await Promise.all(members.map((m) => childrenOf(m.pid!)))).flat()
          if (children.length === 0) continue
          try {
            process.kill(children[Math.floor(Math.random() * children.length)], 'SIGKILL')
            hit = true
          } catch {
            // It ended between the listing and the kill: look again.
          }
        }
        if (hit) {
          commandKills++
          continue
        }
      }
      const i = Math.floor(Math.random() * members.length)
      killed.add(members[i])
      members[i].kill('SIGKILL')
      await members[i]
      memberKills++
      members[i] = start()
      all.push(members[i])
    }
    const lagAfterKills = await lag(group, input)
    await waitFor(async () => (await lag(group, input)) === 0, 600_000, 500)
    const took = Date.now() - started
    for (const m of members) m.kill('SIGTERM')
    const exits = await Promise.all(all)
    for (const m of all.filter((m) => !killed.has(m))) {
      const result = await m
      // 143: stopped cleanly (no member gave up on its own); one restarted a moment ago may die of SIGTERM before its handler is installed.
      expect(result.exitCode === 143 || (result.exitCode === undefined && result.signal === 'SIGTERM'), String(result.stderr)).toBe(true)
    }
    const results = await readCommitted(output, 120_000)
    const verdict = check(results, TORTURE_N)
    // Outputs of aborted transactions (a killed member's, a refused commit's) are in the log, unseen read_committed.
    const abortedOutputs = (await readCommitted(output, 30_000, 'read_uncommitted')).length - results.length
    const count = (pattern: RegExp) => exits.map((e) => (String(e.stderr).match(pattern) ?? []).length).reduce((a, b) => a + b, 0)
    const aborted = count(/was killed by SIGKILL/g)
    const waited = count(/waiting for a transaction of a previous owner/g)
    const rebalanced = count(/aborted: the group rebalanced/g)
    process.stderr.write(`kafka process torture: ${TORTURE_N} inputs, ${verdict.results} results, ${memberKills} member kills, ${commandKills} COMMAND kills, ${aborted} batches aborted for a killed COMMAND, ${waited} waits for a killed member's transaction, ${rebalanced} batches aborted by a rebalance (KIP-447), ${abortedOutputs} outputs of aborted transactions in the log, ${verdict.duplicates} duplicates, ${verdict.missing} missing, ${verdict.outOfOrder} out of order, ${took} ms (${lagAfterKills} inputs left after the last kill)\n`)
    expect(memberKills + commandKills).toBe(KILLS)
    expect(verdict).toEqual({results: TORTURE_N, duplicates: 0, missing: 0, outOfOrder: 0})
  }, 900_000)
})
