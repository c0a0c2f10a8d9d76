import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {openLog} from '../../../src/core/log.js'
import {Producer} from '../../../src/core/producer.js'
import {segmentPaths} from '../../../src/core/segment/segment.js'
import {TransactionalProducer} from '../../../src/core/txn/transactional-producer.js'
import {readTxnIndex, readTxnIndexFile} from '../../../src/core/txn/txn-index.js'
import {expectedTxnIndexes, rebuildTxnIndexes} from '../../../src/core/txn/txn-index-rebuild.js'
import {tmpLogDir} from '../../helpers/strom.js'

const value = (n: number) => `v${String(n).padStart(4, '0')}-${'x'.repeat(60)}`

/**
 * Two transactional producers interleaved on one partition of small segments, each aborting and
 * committing in turn, so transactions span segments and aborted ones overlap committed ones.
 */
function interleavedTransactions() {
  const dir = tmpLogDir()
  const log = openLog({dir})
  const topic = log.createTopic('out', {config: {'segment.bytes': '1024'}})
  const a = TransactionalProducer.init(log, {transactionalId: 'a'})
  const b = TransactionalProducer.init(log, {transactionalId: 'b'})
  let n = 0
  for (let round = 0; round < 6; round++) {
    a.begin()
    b.begin()
    for (let i = 0; i < 4; i++) {
      a.send('out', {key: null, value: value(n++), partition: 0})
      a.producerFor('out').flush()
      b.send('out', {key: null, value: value(n++), partition: 0})
      b.producerFor('out').flush()
    }
    if (round % 2 === 0) a.abort()
    else a.commit()
    if (round % 3 === 0) b.commit()
    else b.abort()
  }
  a.close()
  b.close()
  const partitionDir = topic.partitionDir(0)
  const bases = topic.reader(0).refreshSegmentBases()
  topic.close()
  return {dir, partitionDir, bases}
}

describe('.txnindex rebuilt from the markers in the log', () => {
  it('gives, segment by segment, the very entries the coordinator wrote when it appended the ABORT markers', () => {
    const {partitionDir, bases} = interleavedTransactions()
    expect(bases.length).toBeGreaterThan(3)
    const written = new Map(bases.map((base) => [base, readTxnIndexFile(segmentPaths(partitionDir, base).txnIndex).entries.map(({producerId, firstOffset, lastOffset, lastStableOffset}) => ({producerId, firstOffset, lastOffset, lastStableOffset}))]))
    // 6 rounds: a aborts 3 times, b 4 times.
    expect([...written.values()].flat()).toHaveLength(7)
    expect(expectedTxnIndexes(partitionDir, bases)).toEqual(written)
  })

  it('rewrites only the segments it is asked to and whose file is wrong: missing, torn, or naming other markers', () => {
    const {partitionDir, bases} = interleavedTransactions()
    const withEntries = bases.filter((base) => fs.existsSync(segmentPaths(partitionDir, base).txnIndex))
    expect(withEntries.length).toBeGreaterThanOrEqual(3)
    const [missing, torn, wrong] = withEntries
    const original = new Map(withEntries.map((base) => [base, fs.readFileSync(segmentPaths(partitionDir, base).txnIndex)]))
    fs.rmSync(segmentPaths(partitionDir, missing).txnIndex)
    fs.appendFileSync(segmentPaths(partitionDir, torn).txnIndex, Buffer.alloc(10, 7))
    const bytes = Buffer.from(original.get(wrong)!)
    bytes.writeInt8(bytes.readInt8(25) + 1, 25) // the low byte of the first entry's lastOffset
    fs.writeFileSync(segmentPaths(partitionDir, wrong).txnIndex, bytes)
    // A segment without aborts gets an index only if it had a stray one.
    const clean = bases.find((base) => !original.has(base))!
    fs.writeFileSync(segmentPaths(partitionDir, clean).txnIndex, original.get(missing)!)

    expect(rebuildTxnIndexes(partitionDir, bases, [missing, torn]).sort((x, y) => x - y)).toEqual([missing, torn].sort((x, y) => x - y))
    expect(fs.readFileSync(segmentPaths(partitionDir, wrong).txnIndex)).toEqual(bytes) // not asked: left alone
    expect(rebuildTxnIndexes(partitionDir, bases, bases).sort((x, y) => x - y)).toEqual([wrong, clean].sort((x, y) => x - y))
    for (const base of withEntries) expect(fs.readFileSync(segmentPaths(partitionDir, base).txnIndex)).toEqual(original.get(base))
    expect(fs.existsSync(segmentPaths(partitionDir, clean).txnIndex)).toBe(false)
    expect(rebuildTxnIndexes(partitionDir, bases, bases)).toEqual([])
  })

  it('recovery after a torn marker at the tail drops the index entry that named it', () => {
    const dir = tmpLogDir()
    const log = openLog({dir})
    const topic = log.createTopic('out')
    const tx = TransactionalProducer.init(log, {transactionalId: 'a'})
    tx.begin()
    tx.send('out', {key: null, value: 'kept', partition: 0})
    tx.producerFor('out').flush()
    tx.abort()
    tx.begin()
    tx.send('out', {key: null, value: 'lost marker', partition: 0})
    tx.producerFor('out').flush()
    tx.abort()
    tx.close()
    const paths = segmentPaths(topic.partitionDir(0), 0)
    topic.close()
    const entries = readTxnIndex(paths.txnIndex)
    expect(entries.map((e) => e.lastOffset)).toEqual([1, 3])
    // A crash tore the second ABORT marker (offset 3), written after its index entry was not.
    fs.truncateSync(paths.log, fs.statSync(paths.log).size - 5)
    const reopened = openLog({dir}).topic('out')
    expect(reopened.reader(0).endOffset()).toBe(3)
    // The first append runs recovery; the record takes offset 3, the torn marker's.
    const producer = new Producer(reopened)
    producer.send({key: null, value: 'after the crash', partition: 0})
    producer.flush()
    expect(readTxnIndex(paths.txnIndex)).toEqual(entries.slice(0, 1))
    reopened.close()
  })
})
