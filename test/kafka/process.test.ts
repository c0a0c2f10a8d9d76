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
async function readCommitted(topic: string, timeoutMs: number): Promise<Array<{partition: number; value: string}>> {
  let ends = new Map<number, {offset: number}>()
  await waitFor(async () => {
    ends = await admin.listOffsets(topic, LATEST)
    const stable = await admin.listOffsets(topic, LATEST, undefined, 'read_committed')
    return [...ends].every(([partition, end]) => stable.get(partition)?.offset === end.offset)
  }, timeoutMs, 250)
  const starts = await admin.listOffsets(topic, EARLIEST)
  const partitions = [...ends].map(([partition, end]) => ({topic, partition, position: starts.get(partition)?.offset ?? 0, end: end.offset}))
  const out: Array<{partition: number; value: string}> = []
  const reader = new KafkaReader(cluster, partitions, {follow: false, checkCrcs: true, isolation: 'read_committed'}, async () => 0, () => undefined, (error) => error)
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
})
