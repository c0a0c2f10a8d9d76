import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it, vi} from 'vitest'
import {LogReader} from '../../../src/core/consumer.js'
import {readBatchHeader} from '../../../src/core/format/record-batch.js'
import {segmentPaths} from '../../../src/core/segment/segment.js'
import {GroupStore} from '../../../src/core/groups/group-store.js'
import {Log, openLog} from '../../../src/core/log.js'
import {Producer} from '../../../src/core/producer.js'
import {encodeMarker, markerTypeAt} from '../../../src/core/txn/control-batch.js'
import {TransactionsView} from '../../../src/core/txn/isolation.js'
import {TransactionalProducer} from '../../../src/core/txn/transactional-producer.js'
import {ABORTED_TXN_SIZE, readTxnIndex} from '../../../src/core/txn/txn-index.js'
import {recoverTransactions} from '../../../src/core/txn/txn-coordinator.js'
import {transactionDirName} from '../../../src/core/txn/txn-store.js'
import {tmpLogDir} from '../../helpers/strom.js'

async function readAll(log: Log, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const t = log.topic(topic)
  const reader = new LogReader(Array.from({length: t.partitions}, (_, partition) => ({topic: t, partition})), {range: {start: {kind: 'beginning'}}, follow: false, isolation})
  const values: string[] = []
  await reader.run((_t, _p, record) => {
    values.push(record.value()!.toString())
  }, () => {})
  return values
}

const send = (tx: TransactionalProducer, topic: string, value: string, partition = 0) => tx.send(topic, {key: null, value, partition})

describe('control batches', () => {
  it('encodes Kafka\'s end-transaction marker: transactional + control attributes, key version 0 / type, value version 0 / coordinator epoch', () => {
    const marker = encodeMarker('COMMIT', {producerId: 7, producerEpoch: 3}, 1_700_000_000_000, 5)
    const header = readBatchHeader(marker)
    expect(header.attributes & 0x30).toBe(0x30)
    expect(header.producerId).toBe(7)
    expect(header.producerEpoch).toBe(3)
    expect(header.baseSequence).toBe(-1)
    expect(header.recordsCount).toBe(1)
    expect(markerTypeAt(marker, 0)).toBe('COMMIT')
    expect(markerTypeAt(encodeMarker('ABORT', {producerId: 7, producerEpoch: 3}, 0), 0)).toBe('ABORT')
    // The record: key 00 00 00 01 (version 0, COMMIT), value 00 00 00 00 00 05 (version 0, epoch 5)
    expect(marker.includes(Buffer.from([0x08, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05]))).toBe(true)
  })
})

describe('transactions on a log directory', () => {
  it('read_committed sees committed transactions only; read_uncommitted sees all data and never a marker', async () => {
    const log = openLog({dir: tmpLogDir()})
    log.createTopic('out', {partitions: 2})
    const tx = TransactionalProducer.init(log, {transactionalId: 'etl'})
    tx.begin()
    send(tx, 'out', 'a1', 0)
    send(tx, 'out', 'a2', 1)
    tx.commit()
    tx.begin()
    send(tx, 'out', 'b1', 0)
    send(tx, 'out', 'b2', 1)
    tx.producerFor('out').flush()
    tx.abort()
    tx.begin()
    send(tx, 'out', 'c1', 0)
    tx.commit()
    tx.close()
    expect((await readAll(log, 'out', 'read_committed')).sort()).toEqual(['a1', 'a2', 'c1'])
    expect((await readAll(log, 'out', 'read_uncommitted')).sort()).toEqual(['a1', 'a2', 'b1', 'b2', 'c1'])
    const dir = log.topic('out').partitionDir(0)
    const entries = readTxnIndex(segmentPaths(dir, 0).log.replace(/\.log$/, '.txnindex'))
    expect(entries).toHaveLength(1)
    expect(entries[0].producerId).toBe(tx.producerId)
    expect(fs.statSync(segmentPaths(dir, 0).log.replace(/\.log$/, '.txnindex')).size).toBe(ABORTED_TXN_SIZE)
    // partition 0: a1, COMMIT, b1, ABORT, c1, COMMIT
    expect(entries[0]).toMatchObject({firstOffset: 2, lastOffset: 3})
  })

  it('an open transaction holds the last stable offset; other producers\' records after it wait too', async () => {
    const log = openLog({dir: tmpLogDir()})
    log.createTopic('out')
    const plain = new Producer(log.topic('out'))
    plain.send({key: null, value: 'before'})
    plain.flush()
    const tx = TransactionalProducer.init(log, {transactionalId: 'open'})
    tx.begin()
    send(tx, 'out', 'pending')
    tx.producerFor('out').flush()
    plain.send({key: null, value: 'after'})
    plain.flush()
    expect(new TransactionsView(log.dir).lastStableOffset('out', 0, 3)).toBe(1)
    expect(await readAll(log, 'out', 'read_committed')).toEqual(['before'])
    tx.commit()
    expect(await readAll(log, 'out', 'read_committed')).toEqual(['before', 'pending', 'after'])
    tx.close()
  })

  it('a new producer with the same transactional id aborts the open transaction and fences the old one', async () => {
    const log = openLog({dir: tmpLogDir()})
    log.createTopic('out')
    const old = TransactionalProducer.init(log, {transactionalId: 'same'})
    old.begin()
    send(old, 'out', 'zombie-1')
    old.producerFor('out').flush()
    const next = TransactionalProducer.init(log, {transactionalId: 'same'})
    expect(next.producerEpoch).toBe(old.producerEpoch + 1)
    send(old, 'out', 'zombie-2')
    expect(() => old.producerFor('out').flush()).toThrow(/fenced/)
    expect(() => old.commit()).toThrow(/fenced/)
    next.begin()
    send(next, 'out', 'fresh')
    next.commit()
    expect(await readAll(log, 'out', 'read_committed')).toEqual(['fresh'])
    expect(await readAll(log, 'out', 'read_uncommitted')).toEqual(['zombie-1', 'fresh'])
    old.close()
    next.close()
  })

  it('offsets sent to a transaction reach the group only when it commits', () => {
    const log = openLog({dir: tmpLogDir()})
    log.createTopic('out')
    const store = new GroupStore(log.dir, 'g')
    const tx = TransactionalProducer.init(log, {transactionalId: 'offsets'})
    tx.begin()
    tx.sendOffsets('g', [{topic: 'in', partition: 0, offset: 10}])
    tx.abort()
    expect(store.exists() ? store.committed('in', 0) : undefined).toBeUndefined()
    tx.begin()
    tx.sendOffsets('g', [{topic: 'in', partition: 0, offset: 20}])
    send(tx, 'out', 'x')
    tx.commit()
    expect(store.committed('in', 0)?.offset).toBe(20)
    tx.close()
  })

  it('a transaction past its timeout counts as aborted for readers and is aborted by recovery; its producer cannot commit it', async () => {
    const log = openLog({dir: tmpLogDir()})
    log.createTopic('out')
    const tx = TransactionalProducer.init(log, {transactionalId: 'slow', timeoutMs: 1})
    tx.begin()
    send(tx, 'out', 'late')
    tx.producerFor('out').flush()
    const until = Date.now() + 20
    while (Date.now() < until) {
      // let the 1 ms timeout pass
    }
    expect(new TransactionsView(log.dir).lastStableOffset('out', 0, 1)).toBe(1)
    expect(await readAll(log, 'out', 'read_committed')).toEqual([])
    expect(() => tx.commit()).toThrow(/timeout/)
    expect(recoverTransactions(log)).toBe(0) // the failed commit aborted it already
    tx.close()
  })

  it('keeps transactional ids that are not file names inside transactions/', () => {
    expect(transactionDirName('../x')).toBe('%2E%2E%2Fx')
    expect(transactionDirName('app:1')).toBe('app%3A1')
    expect(transactionDirName('plain-id_1.2')).toBe('plain-id_1.2')
    const log = openLog({dir: tmpLogDir()})
    const tx = TransactionalProducer.init(log, {transactionalId: '../../escape'})
    expect(fs.existsSync(path.join(log.dir, 'transactions', '%2E%2E%2F%2E%2E%2Fescape', 'state.json'))).toBe(true)
    tx.close()
  })

  it('an id is forgotten on request (a process member\'s own), or after 7 idle days without a producer; never with a transaction pending', () => {
    const log = openLog({dir: tmpLogDir()})
    log.createTopic('out')
    const once = TransactionalProducer.init(log, {transactionalId: 'once'})
    const stateFile = path.join(log.dir, 'transactions', 'once', 'state.json')
    once.close({forget: true})
    expect(fs.existsSync(stateFile)).toBe(false)

    const idle = TransactionalProducer.init(log, {transactionalId: 'idle'})
    idle.close()
    const idleFile = path.join(log.dir, 'transactions', 'idle', 'state.json')
    recoverTransactions(log)
    expect(fs.existsSync(idleFile)).toBe(true) // recent
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000)
    fs.utimesSync(idleFile, eightDaysAgo, eightDaysAgo)
    recoverTransactions(log)
    expect(fs.existsSync(idleFile)).toBe(false)

    const live = TransactionalProducer.init(log, {transactionalId: 'live'})
    const liveFile = path.join(log.dir, 'transactions', 'live', 'state.json')
    fs.utimesSync(liveFile, eightDaysAgo, eightDaysAgo)
    recoverTransactions(log)
    expect(fs.existsSync(liveFile)).toBe(true) // its producer still runs
    live.begin()
    send(live, 'out', 'x')
    live.producerFor('out').flush()
    live.close({forget: true}) // aborts first, then forgets
    expect(fs.existsSync(liveFile)).toBe(false)
  })
})

describe('TransactionStatesCache', () => {
  it('lists the state files again only after one was written (changes~), and sees every write', async () => {
    const {TransactionStatesCache} = await import('../../../src/core/txn/txn-store.js')
    const {TransactionCoordinator} = await import('../../../src/core/txn/txn-coordinator.js')
    const fsModule = (await import('node:fs')).default
    const log = openLog({dir: tmpLogDir()})
    const coordinator = new TransactionCoordinator(log)
    const a = coordinator.initProducer('a')
    const cache = new TransactionStatesCache(log.dir)
    expect(cache.states().map((s) => [s.transactionalId, s.state])).toEqual([['a', 'Empty']])
    const reads = vi.spyOn(fsModule, 'readFileSync')
    try {
      expect(cache.states()).toHaveLength(1)
      expect(reads).not.toHaveBeenCalled()
      coordinator.addOffsets('a', a, 'g', [{topic: 't', partition: 0, offset: 1}])
      expect(cache.states().map((s) => s.state)).toEqual(['Ongoing'])
      const b = coordinator.initProducer('b')
      expect(cache.states().map((s) => s.transactionalId).sort()).toEqual(['a', 'b'])
      b.alive.close()
    } finally {
      reads.mockRestore()
      a.alive.close()
    }
  })
})
