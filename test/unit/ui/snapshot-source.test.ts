import {describe, expect, it} from 'vitest'
import {openLog} from '../../../src/core/log.js'
import {Producer} from '../../../src/core/producer.js'
import {SnapshotSource} from '../../../src/core/stats/snapshot.js'
import {strom, tmpLogDir} from '../../helpers/strom.js'

function produce(log: ReturnType<typeof openLog>, topicName: string, records: Array<{key?: string; value: string; partition: number; timestamp?: number}>) {
  const producer = new Producer(log.topic(topicName))
  for (const r of records) producer.send({key: r.key ?? null, value: r.value, partition: r.partition, timestamp: r.timestamp})
  producer.flush()
  producer.close?.()
}

describe('SnapshotSource (the data behind strom top)', () => {
  it('reports partitions, end offsets, messages, sizes and follows new messages between polls', () => {
    const dir = tmpLogDir()
    const log = openLog({dir})
    log.createTopic('orders', {partitions: 2})
    log.createTopic('empty')
    const source = new SnapshotSource(log)
    produce(log, 'orders', [0, 1, 1].map((partition, i) => ({value: `v${i}`, partition})))
    const first = source.take()
    expect(first.topics.map((t) => t.name)).toEqual(['empty', 'orders'])
    const orders = first.topics[1]
    expect(orders.partitions.map((p) => [p.partition, p.logStart, p.end])).toEqual([[0, 0, 1], [1, 0, 2]])
    expect(orders).toMatchObject({messages: 3, end: 3})
    expect(orders.sizeBytes).toBeGreaterThan(0)
    expect(orders.sizeBytes).toBe(orders.partitions[0].sizeBytes + orders.partitions[1].sizeBytes)
    expect(first.topics[0]).toMatchObject({messages: 0, end: 0, sizeBytes: 0})
    // The same source (with its cached readers) sees what another writer appended since.
    produce(openLog({dir}), 'orders', [{value: 'late', partition: 0}])
    expect(source.take().topics[1].partitions[0].end).toBe(2)
  })

  it('notices a topic that gained partitions, was deleted, or was created again', async () => {
    const dir = tmpLogDir()
    const log = openLog({dir})
    log.createTopic('t', {partitions: 1})
    const source = new SnapshotSource(log)
    expect(source.take().topics[0].partitions).toHaveLength(1)
    expect((await strom(dir, ['topic', 'alter', 't', '--partitions', '3'])).exitCode).toBe(0)
    expect(source.take().topics[0].partitions).toHaveLength(3)
    expect((await strom(dir, ['topic', 'delete', 't', '--force'])).exitCode).toBe(0)
    expect(source.take().topics).toEqual([])
    expect((await strom(dir, ['produce', 't', 'a', 'b', '--create', '--partitions', '2'])).exitCode).toBe(0)
    const again = source.take().topics[0]
    expect(again.partitions).toHaveLength(2)
    expect(again.messages).toBe(2)
  })

  it('reports a group with its lag per partition and per topic', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['produce', 'a', '--create', '--partitions', '2', '--partitioner', 'round-robin'], {input: 'x\ny\nz\nw\n'})).exitCode).toBe(0)
    expect((await strom(dir, ['consume', 'a', '--group', 'g'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'a', '--partitioner', 'round-robin'], {input: '1\n2\n3\n'})).exitCode).toBe(0)
    const [g] = new SnapshotSource(openLog({dir})).take().groups
    expect(g).toMatchObject({group: 'g', state: 'Empty', members: [], totalLag: 3})
    expect(g.topics).toEqual([{topic: 'a', partitions: 2, owned: 0, lag: 3}])
    expect(g.partitions.map((p) => [p.partition, p.committed, p.end, p.lag, p.owner])).toEqual([
      [0, 2, 4, 2, null],
      [1, 2, 3, 1, null],
    ])
  })

  it('tails the newest messages of one topic over all partitions, oldest first', () => {
    const dir = tmpLogDir()
    const log = openLog({dir})
    log.createTopic('t', {partitions: 3})
    const base = Date.parse('2026-01-01T00:00:00Z')
    produce(log, 't', Array.from({length: 30}, (_, i) => ({key: `k${i}`, value: `v${i}`, partition: i % 3, timestamp: base + i})))
    const source = new SnapshotSource(log)
    const tail = source.tail('t', 5)
    expect(tail.map((r) => r.value)).toEqual(['v25', 'v26', 'v27', 'v28', 'v29'])
    expect(tail[4]).toEqual({partition: 2, offset: 9, timestamp: base + 29, key: 'k29', value: 'v29'})
    expect(source.tail('missing', 5)).toEqual([])
  })
})
