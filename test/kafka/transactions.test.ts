/**
 * strom's own Kafka client against a real Apache Kafka broker (KRaft, scripts/kafka.sh): the
 * transactional producer (src/client/transactional-producer.ts) and read_committed reading
 * (src/backends/kafka/kafka-reader.ts).
 *
 * - a committed transaction's records are read by a read_committed reader, an aborted one's are
 *   not; read_uncommitted sees both; transaction markers (control batches) are never records;
 *   another producer's committed transaction interleaved with an aborted one is kept;
 * - offsets sent in a transaction become the group's committed offsets only when it commits;
 * - a second producer with the same transactional id fences the first: its next send or commit
 *   fails with ProducerFencedError, which stays.
 */
import {randomUUID} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KafkaAdmin, LATEST} from '../../src/client/admin.js'
import {KafkaCluster} from '../../src/client/cluster.js'
import {KafkaTransactionalProducer, ProducerFencedError, isProducerFenced} from '../../src/client/transactional-producer.js'
import {type IsolationLevel, KafkaReader} from '../../src/backends/kafka/kafka-reader.js'
import {DescribeTransactions, Fetch} from '../../src/protocol/apis/index.js'
import {BATCH_HEADER_SIZE, batchSizeAt, isControlBatch, readBatchHeader} from '../../src/core/format/record-batch.js'
import {waitFor} from '../helpers/strom.js'
import {realKafka} from '../helpers/real-kafka.js'

let cluster: KafkaCluster
let admin: KafkaAdmin

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`
const records = (...values: string[]) => values.map((v) => ({key: null, value: Buffer.from(v)}))

async function createTopic(partitions: number): Promise<string> {
  const topic = unique('txn')
  await admin.createTopic(topic, partitions, 1, {})
  // The new topic's leaders reach the metadata a moment after CreateTopics answers.
  await waitFor(async () => (await cluster.refresh([topic]))[0]?.partitions.every((p) => p.leader >= 0) === true, 30_000, 100)
  return topic
}

interface Read {
  partition: number
  offset: number
  value: string
}

/** Every record of `topic` up to its current end, as a bounded strom read with the given isolation. */
async function readAll(topic: string, isolation: IsolationLevel): Promise<Read[]> {
  const ends = await admin.listOffsets(topic, LATEST)
  const partitions = [...ends].map(([partition, end]) => ({topic, partition, position: 0, end: end.offset}))
  const out: Read[] = []
  const reader = new KafkaReader(cluster, partitions, {follow: false, checkCrcs: true, isolation}, async () => 0, () => undefined, (error) => error)
  await reader.run((_topic, partition, record) => {
    out.push({partition, offset: record.offset, value: record.value()!.toString()})
  }, () => undefined)
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
}

/** Offsets of the control batches (transaction markers) in topic/partition, from a raw Fetch. */
async function controlBatchOffsets(topic: string, partition: number): Promise<number[]> {
  const broker = await cluster.node(cluster.leader(topic, partition))
  const answer = await broker.request(Fetch, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '', forgottenTopicsData: [],
    topics: [{topic, partitions: [{partition, fetchOffset: 0, partitionMaxBytes: 1 << 20}]}],
  }, {version: broker.version(Fetch, 12)})
  const records = (answer.responses as Array<{partitions: Array<{records: Buffer}>}>)[0]!.partitions[0]!.records
  const offsets: number[] = []
  for (let at = 0; at + BATCH_HEADER_SIZE <= records.length; at += batchSizeAt(records, at)) {
    const header = readBatchHeader(records, at)
    if (isControlBatch(header.attributes)) offsets.push(header.baseOffset)
  }
  return offsets
}

/** The transaction's state as its coordinator reports it (DescribeTransactions). */
async function transactionState(transactionalId: string): Promise<string> {
  const coordinator = await cluster.coordinator(transactionalId, 1)
  const answer = await coordinator.request(DescribeTransactions, {transactionalIds: [transactionalId]})
  const [state] = answer.transactionStates as Array<{errorCode: number; transactionState: string}>
  expect(state!.errorCode).toBe(0)
  return state!.transactionState
}

async function committed(group: string): Promise<Map<string, number>> {
  return new Map((await admin.committedOffsets(group)).map((o) => [`${o.topic}/${o.partition}`, o.offset]))
}

beforeAll(async () => {
  const bootstrap = await realKafka()
  cluster = new KafkaCluster({brokers: [bootstrap], clientId: 'strom-txn-test'})
  admin = new KafkaAdmin(cluster)
}, 300_000)

afterAll(() => cluster?.close())

describe('Kafka transactions (strom client, real broker)', () => {
  it('read_committed sees committed transactions only; read_uncommitted sees all; control batches are never records', async () => {
    const topic = await createTopic(2)
    const producer = await KafkaTransactionalProducer.init(cluster, {transactionalId: unique('tx-vis'), transactionTimeoutMs: 30_000})
    expect(producer.producerId).toBeGreaterThanOrEqual(0)

    producer.begin()
    expect(await producer.send(topic, 0, records('a1', 'a2'))).toBe(0)
    await producer.send(topic, 1, records('a3'))
    // A second batch to a partition already in the transaction: the sequence continues.
    expect(await producer.send(topic, 0, records('a4'))).toBe(2)
    await producer.commit()

    producer.begin()
    await producer.send(topic, 0, records('b1', 'b2'))
    await producer.send(topic, 1, records('b3'))
    await producer.abort()

    // Another producer's transaction commits while this one's is open and later aborted, on the
    // same partition: only the aborting producer's batches are left out.
    const other = await KafkaTransactionalProducer.init(cluster, {transactionalId: unique('tx-other')})
    producer.begin()
    await producer.send(topic, 0, records('c1'))
    other.begin()
    await other.send(topic, 0, records('o1'))
    await other.commit()
    await producer.send(topic, 0, records('c2'))
    await producer.abort()

    producer.begin()
    await producer.send(topic, 0, records('d1'))
    await producer.commit()

    // The markers are written after EndTxn answers: wait until the last one is in, so the end offsets include it.
    await waitFor(async () => (await transactionState(producer.transactionalId)) === 'CompleteCommit', 30_000, 100)

    const readCommitted = await readAll(topic, 'read_committed')
    expect(readCommitted.map((r) => `${r.partition}:${r.value}`)).toEqual(['0:a1', '0:a2', '0:a4', '0:o1', '0:d1', '1:a3'])
    const readUncommitted = await readAll(topic, 'read_uncommitted')
    expect(readUncommitted.map((r) => `${r.partition}:${r.value}`)).toEqual(['0:a1', '0:a2', '0:a4', '0:b1', '0:b2', '0:c1', '0:o1', '0:c2', '0:d1', '1:a3', '1:b3'])

    // Partition 0 holds 9 records and 5 markers (a1 a2 a4 COMMIT | b1 b2 ABORT | c1 o1 c2, the
    // other's COMMIT and this one's ABORT in either order | d1 COMMIT): the log says where the
    // markers are, and no read returns one of their offsets.
    const markers = await controlBatchOffsets(topic, 0)
    expect(markers).toHaveLength(5)
    for (const read of [readCommitted, readUncommitted]) expect(read.filter((r) => r.partition === 0 && markers.includes(r.offset))).toEqual([])
    expect((await admin.listOffsets(topic, LATEST)).get(0)?.offset).toBe(14)
  })

  it('sendOffsets commits the group offsets only when the transaction commits', async () => {
    const topic = await createTopic(1)
    const group = unique('group')
    const producer = await KafkaTransactionalProducer.init(cluster, {transactionalId: unique('tx-offsets')})

    producer.begin()
    await producer.send(topic, 0, records('x'))
    await producer.sendOffsets(group, [{topic, partition: 0, offset: 3}])
    await producer.commit()
    await waitFor(async () => (await committed(group)).get(`${topic}/0`) === 3, 30_000, 100)

    producer.begin()
    await producer.sendOffsets(group, [{topic, partition: 0, offset: 5}])
    expect(await transactionState(producer.transactionalId)).toBe('Ongoing')
    // Open: the group still shows the last committed offset.
    expect((await committed(group)).get(`${topic}/0`)).toBe(3)
    await producer.abort()
    await waitFor(async () => (await transactionState(producer.transactionalId)) === 'CompleteAbort', 30_000, 100)
    expect((await committed(group)).get(`${topic}/0`)).toBe(3)

    // With the member's generation (TxnOffsetCommit v3+): a commit outside any generation is -1/''.
    producer.begin()
    await producer.sendOffsets(group, [{topic, partition: 0, offset: 7}], {generationId: -1, memberId: ''})
    await producer.commit()
    await waitFor(async () => (await committed(group)).get(`${topic}/0`) === 7, 30_000, 100)
  })

  it('a second producer with the same transactional id fences the first: its next send, or its commit, fails as fenced', async () => {
    const topic = await createTopic(1)
    const transactionalId = unique('tx-fence')

    const first = await KafkaTransactionalProducer.init(cluster, {transactionalId})
    first.begin()
    await first.send(topic, 0, records('zombie-1'))
    // The newcomer's InitProducerId aborts what the first left open and bumps the epoch.
    const second = await KafkaTransactionalProducer.init(cluster, {transactionalId})
    expect(second.producerId).toBe(first.producerId)
    expect(second.producerEpoch).toBeGreaterThan(first.producerEpoch)

    const sendError = await first.send(topic, 0, records('zombie-2')).then(() => undefined, (error: unknown) => error)
    expect(sendError).toBeInstanceOf(ProducerFencedError)
    expect(isProducerFenced(sendError)).toBe(true)
    expect((sendError as Error).message).toContain(transactionalId)
    // Fenced stays fenced: nothing is sent any more.
    await expect(first.commit()).rejects.toBeInstanceOf(ProducerFencedError)
    expect(() => first.begin()).toThrow(ProducerFencedError)

    // Fenced at commit: the zombie's EndTxn is refused.
    second.begin()
    await second.send(topic, 0, records('second-1'))
    const third = await KafkaTransactionalProducer.init(cluster, {transactionalId})
    const commitError = await second.commit().then(() => undefined, (error: unknown) => error)
    expect(commitError).toBeInstanceOf(ProducerFencedError)

    third.begin()
    await third.send(topic, 0, records('third-1'))
    await third.commit()
    await waitFor(async () => (await transactionState(transactionalId)) === 'CompleteCommit', 30_000, 100)
    expect((await readAll(topic, 'read_committed')).map((r) => r.value)).toEqual(['third-1'])
  })
})
