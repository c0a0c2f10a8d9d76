import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {LogReader} from '../../../src/core/consumer.js'
import {segmentPrefix} from '../../../src/core/format/segment-files.js'
import {Log, openLog} from '../../../src/core/log.js'
import {compactPartition, readCleanerCheckpoint} from '../../../src/core/maintenance/compaction.js'
import {dumpFile, DumpedBatch} from '../../../src/core/maintenance/dump.js'
import {partitionRefs, withWriteLock} from '../../../src/core/maintenance/partition-ref.js'
import {deleteSegmentsLocked} from '../../../src/core/maintenance/segment-delete.js'
import {verifyPartition} from '../../../src/core/maintenance/verify.js'
import {listSegmentBases} from '../../../src/core/partition/partition-files.js'
import {createEmptySegment, recoverPartitionLocked} from '../../../src/core/partition/recovery.js'
import {Producer} from '../../../src/core/producer.js'
import {IsolationLevel} from '../../../src/core/txn/isolation.js'
import {TransactionalProducer} from '../../../src/core/txn/transactional-producer.js'
import {readTxnIndex} from '../../../src/core/txn/txn-index.js'
import path from 'node:path'
import {tmpLogDir} from '../../helpers/strom.js'

async function readAll(log: Log, isolation: IsolationLevel = 'read_uncommitted'): Promise<string[]> {
  const reader = new LogReader([{topic: log.topic('c'), partition: 0}], {range: {start: {kind: 'beginning'}}, follow: false, isolation})
  const out: string[] = []
  await reader.run((_t, _p, r) => {
    out.push(`${r.offset}:${r.key()!.toString()}=${r.value()!.toString()}`)
  }, () => {})
  return out
}

function batches(log: Log): DumpedBatch[] {
  const dir = log.topic('c').partitionDir(0)
  const out: DumpedBatch[] = []
  for (const base of listSegmentBases(dir)) dumpFile(path.join(dir, segmentPrefix(base) + '.log'), {}, (e) => void (e.type === 'batch' && out.push(e)))
  return out
}

/** Closes the active segment (as `log compact` does before compacting), so what follows lands in a new one. */
function roll(log: Log): void {
  const dir = log.topic('c').partitionDir(0)
  withWriteLock(dir, () => createEmptySegment(dir, recoverPartitionLocked(dir, 4096).nextOffset))
  log.topic('c').close()
}

const plain = (log: Log, key: string, value: string) => {
  const producer = new Producer(log.topic('c'))
  producer.send({key, value, partition: 0})
  producer.flush()
}
const send = (tx: TransactionalProducer, key: string, value: string) => tx.send('c', {key, value, partition: 0})

function compactedLog(): Log {
  const log = openLog({dir: tmpLogDir(), onWarning: () => {}})
  log.createTopic('c', {config: {'cleanup.policy': 'compact'}})
  return log
}

describe('compaction of transactional data (Kafka\'s cleaner rules)', () => {
  it('removes aborted transactions\' records, keeps markers and committed transactional batches as such, and aborted records supersede nothing', async () => {
    const log = compactedLog()
    plain(log, 'k1', 'v1') // 0
    const tx = TransactionalProducer.init(log, {transactionalId: 't'})
    tx.begin()
    send(tx, 'k1', 'v2')
    send(tx, 'k2', 'x')
    tx.commit() // 1, 2; COMMIT 3
    tx.begin()
    send(tx, 'k1', 'aborted')
    send(tx, 'k2', 'aborted')
    tx.producerFor('c').flush()
    tx.abort() // 4, 5; ABORT 6
    tx.close()
    plain(log, 'k3', 'z') // 7
    expect(await readAll(log)).toEqual(['0:k1=v1', '1:k1=v2', '2:k2=x', '4:k1=aborted', '5:k2=aborted', '7:k3=z'])

    const ref = partitionRefs(log.topic('c'))[0]
    const result = compactPartition(ref, {force: true, roll: true})
    expect(result).toMatchObject({compacted: true, abortedRemoved: 2, recordsOut: 3})
    expect(await readAll(log)).toEqual(['1:k1=v2', '2:k2=x', '7:k3=z'])
    expect(await readAll(log, 'read_committed')).toEqual(['1:k1=v2', '2:k2=x', '7:k3=z'])
    const after = batches(log)
    // The markers stay; the committed transaction's batch keeps its producer and transactional flag.
    expect(after.filter((b) => b.isControl).map((b) => [b.baseOffset, b.marker?.type, b.producerId])).toEqual([[3, 'COMMIT', tx.producerId], [6, 'ABORT', tx.producerId]])
    expect(after.find((b) => b.baseOffset === 1)).toMatchObject({isTransactional: true, isControl: false, producerId: tx.producerId, producerEpoch: tx.producerEpoch, count: 2})
    expect(after.find((b) => b.baseOffset === 7)).toMatchObject({isTransactional: false, producerId: -1})
    // The aborted transaction's index entry is still beside its marker, and everything verifies.
    const dir = ref.partitionDir
    const base = listSegmentBases(dir)[0]
    expect(readTxnIndex(path.join(dir, segmentPrefix(base) + '.txnindex'))).toMatchObject([{producerId: tx.producerId, firstOffset: 4, lastOffset: 6}])
    expect(verifyPartition(ref).faults).toEqual([])
  })

  it('keeps a committed transactional batch transactional when it loses some records', async () => {
    const log = compactedLog()
    const tx = TransactionalProducer.init(log, {transactionalId: 't'})
    tx.begin()
    send(tx, 'a', '1')
    send(tx, 'b', '1')
    tx.commit()
    tx.close()
    plain(log, 'a', '2')
    compactPartition(partitionRefs(log.topic('c'))[0], {force: true, roll: true})
    expect(await readAll(log, 'read_committed')).toEqual(['1:b=1', '3:a=2'])
    expect(batches(log)[0]).toMatchObject({baseOffset: 0, lastOffset: 1, count: 1, isTransactional: true, producerId: tx.producerId})
  })

  it('never cleans at or above the first offset of a transaction without its markers (the last stable offset)', async () => {
    const log = compactedLog()
    plain(log, 'a', '1') // 0
    roll(log)
    const tx = TransactionalProducer.init(log, {transactionalId: 'open'})
    tx.begin()
    send(tx, 'b', '1')
    tx.producerFor('c').flush() // 1, open
    plain(log, 'a', '2') // 2
    plain(log, 'b', '2') // 3
    const ref = partitionRefs(log.topic('c'))[0]
    const result = compactPartition(ref, {force: true, roll: true})
    // Segment 0 (offset 0) is below the open transaction: cleaned, but nothing in it is superseded by
    // what lies at or above offset 1, which is not looked at.
    expect(result.segmentsBefore).toBe(1)
    expect(readCleanerCheckpoint(ref.partitionDir)).toBe(1)
    expect(await readAll(log)).toEqual(['0:a=1', '1:b=1', '2:a=2', '3:b=2'])
    expect(await readAll(log, 'read_committed')).toEqual(['0:a=1'])
    // Once the transaction aborts, everything up to the end is cleanable: its record goes too.
    tx.abort()
    tx.close()
    const again = compactPartition(ref, {force: true, roll: true})
    expect(again.abortedRemoved).toBe(1)
    expect(await readAll(log)).toEqual(['2:a=2', '3:b=2'])
    expect(verifyPartition(ref).faults).toEqual([])
  })

  it('merges the .txnindex entries of merged segments, and retention deletes a segment\'s .txnindex with it', async () => {
    const log = compactedLog()
    const tx = TransactionalProducer.init(log, {transactionalId: 't'})
    for (const round of [1, 2]) {
      tx.begin()
      send(tx, 'k', `aborted-${round}`)
      tx.producerFor('c').flush()
      tx.abort()
      roll(log)
    }
    tx.close()
    plain(log, 'k', 'kept')
    const dir = log.topic('c').partitionDir(0)
    const before = listSegmentBases(dir)
    expect(before.length).toBe(3)
    expect(fs.existsSync(path.join(dir, segmentPrefix(before[1]) + '.txnindex'))).toBe(true)
    const ref = partitionRefs(log.topic('c'))[0]
    compactPartition(ref, {force: true, roll: true})
    const bases = listSegmentBases(dir)
    // One merged segment holds both ABORT markers and both entries; the replaced segment's index is gone.
    expect(readTxnIndex(path.join(dir, segmentPrefix(bases[0]) + '.txnindex')).map((e) => e.lastOffset)).toEqual([1, 3])
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.txnindex'))).toEqual([segmentPrefix(bases[0]) + '.txnindex'])
    expect(verifyPartition(ref).faults).toEqual([])
    withWriteLock(dir, () => deleteSegmentsLocked(dir, [bases[0]]))
    expect(fs.readdirSync(dir).filter((n) => n.startsWith(segmentPrefix(bases[0])))).toEqual([])
  })
})
