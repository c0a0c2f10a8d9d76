/**
 * strom serve's transaction coordinator, handler by handler on a real log directory: the error
 * codes Kafka clients act on (per API version), the produce check, and what read_committed fetches,
 * ListOffsets and OffsetFetch(require_stable) see of open, committed and aborted transactions.
 * The real clients' end-to-end runs are in test/clients/serve-transactions.test.ts.
 */
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {BatchBuilder, stampProducer} from '../../../src/core/format/record-batch.js'
import {FileLock, isLockedElsewhere} from '../../../src/core/io/file-lock.js'
import {Log, openLog} from '../../../src/core/log.js'
import {transactionDirName} from '../../../src/core/txn/txn-store.js'
import {ServerContext} from '../../../src/server/context.js'
import {GroupCoordinator} from '../../../src/server/group-coordinator.js'
import {handleFetch} from '../../../src/server/handlers/fetch.js'
import {handleFindCoordinator} from '../../../src/server/handlers/find-coordinator.js'
import {handleInitProducerId} from '../../../src/server/handlers/init-producer-id.js'
import {handleListOffsets} from '../../../src/server/handlers/list-offsets.js'
import {handleOffsetFetch} from '../../../src/server/handlers/offset-fetch.js'
import {handleProduce} from '../../../src/server/handlers/produce.js'
import {handleAddOffsetsToTxn, handleAddPartitionsToTxn, handleDescribeTransactions, handleEndTxn, handleListTransactions, handleTxnOffsetCommit} from '../../../src/server/handlers/transactions.js'
import type {ApiHandler} from '../../../src/server/handlers/types.js'
import {ERR} from '../../../src/server/protocol/error-codes.js'
import type {Struct} from '../../../src/protocol/schema.js'
import {tmpLogDir} from '../../helpers/strom.js'

const contexts: ServerContext[] = []
afterEach(() => {
  for (const ctx of contexts.splice(0)) {
    ctx.groups.close()
    ctx.close()
  }
})

/** A server on a new directory with topic t, or (a restart) on `existing`'s. */
function server(existing?: Log): {ctx: ServerContext; log: Log} {
  const log = existing ?? openLog({dir: tmpLogDir()})
  if (existing === undefined) log.createTopic('t', {partitions: 1})
  const ctx = new ServerContext(log, {advertisedHost: '127.0.0.1', advertisedPort: 9092, autoCreateTopics: false, defaultPartitions: 1, sync: false, maxRequestBytes: 1 << 20, maxPendingRequestBytes: 1 << 24, log: () => {}})
  ctx.groups = new GroupCoordinator(log, () => {})
  contexts.push(ctx)
  return {ctx, log}
}

async function call(ctx: ServerContext, handler: ApiHandler, apiKey: number, apiVersion: number, body: Struct): Promise<Struct> {
  const request = {header: {apiKey, apiVersion, correlationId: 1, clientId: 'test'}, connection: {id: 1, cursors: new Map(), signal: new AbortController().signal, afterResponse: []}, noResponse: false}
  return (await handler(ctx, request as never, body)) as Struct
}

const init = (ctx: ServerContext, id: string, version = 4, extra: Struct = {}) => call(ctx, handleInitProducerId, 22, version, {transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, ...extra})
const addPartition = (ctx: ServerContext, id: string, p: {producerId: number; producerEpoch: number}, version = 3) =>
  call(ctx, handleAddPartitionsToTxn, 24, version, {v3AndBelowTransactionalId: id, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{name: 't', partitions: [0]}]})
const endTxn = (ctx: ServerContext, id: string, p: {producerId: number; producerEpoch: number}, committed: boolean, version = 3) =>
  call(ctx, handleEndTxn, 26, version, {transactionalId: id, producerId: p.producerId, producerEpoch: p.producerEpoch, committed})

function batch(p: {producerId: number; producerEpoch: number}, sequence: number, value: string, transactional = true): Buffer {
  const builder = new BatchBuilder(256)
  builder.add(null, Buffer.from(value), Date.now())
  const sealed = Buffer.from(builder.seal())
  stampProducer(sealed, {producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: sequence, transactional})
  return sealed
}

async function produce(ctx: ServerContext, records: Buffer): Promise<{errorCode: number; baseOffset: number}> {
  const response = await call(ctx, handleProduce, 0, 9, {transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{name: 't', partitionData: [{index: 0, records}]}]})
  return response.responses[0].partitionResponses[0]
}

async function fetch(ctx: ServerContext, isolationLevel: number, fetchOffset = 0) {
  const response = await call(ctx, handleFetch, 1, 11, {maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel, topics: [{topic: 't', partitions: [{partition: 0, fetchOffset, partitionMaxBytes: 1 << 20}]}]})
  const p = response.responses[0].partitions[0]
  return {...p, batches: batchOffsets(p.records as Buffer)}
}

/** Base offsets of the batches in a fetch answer. */
function batchOffsets(records: Buffer): number[] {
  const out: number[] = []
  for (let at = 0; at < records.length; at += records.readInt32BE(at + 8) + 12) out.push(Number(records.readBigInt64BE(at)))
  return out
}

const identity = (r: Struct) => ({producerId: r.producerId as number, producerEpoch: r.producerEpoch as number})

describe('strom serve transactions', () => {
  it('FindCoordinator for a transactional id answers this node', async () => {
    const {ctx} = server()
    const answer = await call(ctx, handleFindCoordinator, 10, 3, {key: 'tx', keyType: 1})
    expect([answer.errorCode, answer.nodeId, answer.host, answer.port]).toEqual([ERR.NONE, 0, '127.0.0.1', 9092])
    const many = await call(ctx, handleFindCoordinator, 10, 4, {keyType: 1, coordinatorKeys: ['a', 'b']})
    expect(many.coordinators.map((c: Struct) => c.errorCode)).toEqual([ERR.NONE, ERR.NONE])
  })

  it('InitProducerId bumps the epoch and fences the previous session (its liveness token released); KIP-360 re-init only by the current producer', async () => {
    const {ctx, log} = server()
    const first = await init(ctx, 'tx')
    expect(first.errorCode).toBe(ERR.NONE)
    expect(first.producerEpoch).toBe(0)
    const token = (epoch: number) => path.join(log.dir, 'transactions', transactionDirName('tx'), `alive-${epoch}`)
    expect(isLockedElsewhere(token(0))).toBe(true)
    const second = await init(ctx, 'tx')
    expect([second.producerId, second.producerEpoch]).toEqual([first.producerId, 1])
    expect(isLockedElsewhere(token(0))).toBe(false)
    expect(isLockedElsewhere(token(1))).toBe(true)
    // The fenced producer's epoch, per version: PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before.
    expect((await init(ctx, 'tx', 4, identity(first))).errorCode).toBe(ERR.PRODUCER_FENCED)
    expect((await init(ctx, 'tx', 3, identity(first))).errorCode).toBe(ERR.INVALID_PRODUCER_EPOCH)
    const bumped = await init(ctx, 'tx', 4, identity(second))
    expect([bumped.errorCode, bumped.producerEpoch]).toEqual([ERR.NONE, 2])
    // A retry of that request (its answer lost) gets the same answer, not another bump.
    expect((await init(ctx, 'tx', 4, identity(second))).producerEpoch).toBe(2)
    expect((await init(ctx, 'tx', 4, {transactionTimeoutMs: 16 * 60_000})).errorCode).toBe(ERR.INVALID_TRANSACTION_TIMEOUT)
  })

  it('InitProducerId while the next epoch\'s liveness token is held elsewhere: CONCURRENT_TRANSACTIONS (retriable), and a retry succeeds once it is free', async () => {
    const {ctx, log} = server()
    await init(ctx, 'tx')
    const elsewhere = new FileLock(path.join(log.dir, 'transactions', transactionDirName('tx'), 'alive-1'))
    expect(elsewhere.tryAcquire()).toBe(true)
    expect((await init(ctx, 'tx')).errorCode).toBe(ERR.CONCURRENT_TRANSACTIONS)
    elsewhere.close()
    expect(await init(ctx, 'tx')).toMatchObject({errorCode: ERR.NONE, producerEpoch: 1})
  })

  it('produce: a transactional batch outside the transaction is INVALID_TXN_STATE, a fenced one INVALID_PRODUCER_EPOCH; AddPartitions and EndTxn answer fencing per version', async () => {
    const {ctx} = server()
    const p = identity(await init(ctx, 'tx'))
    expect((await produce(ctx, batch(p, 0, 'early'))).errorCode).toBe(ERR.INVALID_TXN_STATE)
    expect((await addPartition(ctx, 'tx', p)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ERR.NONE)
    expect(await produce(ctx, batch(p, 0, 'in'))).toMatchObject({errorCode: ERR.NONE, baseOffset: 0})
    await init(ctx, 'tx')
    expect((await produce(ctx, batch(p, 1, 'zombie'))).errorCode).toBe(ERR.INVALID_PRODUCER_EPOCH)
    expect((await addPartition(ctx, 'tx', p, 1)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ERR.INVALID_PRODUCER_EPOCH)
    expect((await addPartition(ctx, 'tx', p, 2)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ERR.PRODUCER_FENCED)
    expect((await endTxn(ctx, 'tx', p, true, 1)).errorCode).toBe(ERR.INVALID_PRODUCER_EPOCH)
    expect((await endTxn(ctx, 'tx', p, true, 2)).errorCode).toBe(ERR.PRODUCER_FENCED)
    // Only the coordinator writes control batches.
    const control = batch(p, 0, 'x')
    control.writeInt16BE(control.readInt16BE(21) | 0x20, 21)
    expect((await produce(ctx, control)).errorCode).not.toBe(ERR.NONE)
  })

  it('fetch: read_committed stops at the last stable offset and lists aborted transactions; read_uncommitted gets everything with the LSO; ListOffsets latest is the LSO', async () => {
    const {ctx} = server()
    expect((await produce(ctx, batch({producerId: -1, producerEpoch: -1}, -1, 'plain', false))).errorCode).toBe(ERR.NONE)
    const a = identity(await init(ctx, 'a'))
    await addPartition(ctx, 'a', a)
    await produce(ctx, batch(a, 0, 'a0'))
    const open = await fetch(ctx, 1)
    expect([open.highWatermark, open.lastStableOffset, open.batches]).toEqual([2, 1, [0]])
    expect((await fetch(ctx, 1, 1)).batches).toEqual([])
    const uncommitted = await fetch(ctx, 0)
    expect([uncommitted.lastStableOffset, uncommitted.batches, uncommitted.abortedTransactions]).toEqual([1, [0, 1], null])
    const latest = async (isolationLevel: number) => (await call(ctx, handleListOffsets, 2, 5, {replicaId: -1, isolationLevel, topics: [{name: 't', partitions: [{partitionIndex: 0, timestamp: -1}]}]})).topics[0].partitions[0].offset
    expect([await latest(1), await latest(0)]).toEqual([1, 2])
    expect((await endTxn(ctx, 'a', a, false)).errorCode).toBe(ERR.NONE)
    const aborted = await fetch(ctx, 1)
    expect([aborted.highWatermark, aborted.lastStableOffset, aborted.batches]).toEqual([3, 3, [0, 1, 2]])
    expect(aborted.abortedTransactions).toEqual([{producerId: a.producerId, firstOffset: 1}])
    expect((await fetch(ctx, 1, 2)).abortedTransactions).toEqual([{producerId: a.producerId, firstOffset: 1}])
  })

  it('a transaction past its timeout is aborted by the periodic recovery with a bumped epoch: the LSO moves on and the producer is fenced', async () => {
    const {ctx} = server()
    const p = identity(await init(ctx, 'slow', 4, {transactionTimeoutMs: 1}))
    await addPartition(ctx, 'slow', p)
    await produce(ctx, batch(p, 0, 'late'))
    await new Promise((resolve) => setTimeout(resolve, 5)) // past the 1 ms timeout (a clock, not synchronisation)
    expect(ctx.transactions.recover()).toBe(1)
    expect((await fetch(ctx, 1)).lastStableOffset).toBe(2)
    expect((await endTxn(ctx, 'slow', p, true, 3)).errorCode).toBe(ERR.PRODUCER_FENCED)
  })

  it('TxnOffsetCommit: offsets pending until the commit (UNSTABLE_OFFSET_COMMIT for require_stable), then in the group; Describe/ListTransactions', async () => {
    const {ctx} = server()
    const p = identity(await init(ctx, 'tx'))
    expect((await call(ctx, handleAddOffsetsToTxn, 25, 3, {transactionalId: 'tx', ...p, groupId: 'g'})).errorCode).toBe(ERR.NONE)
    const commit = await call(ctx, handleTxnOffsetCommit, 28, 3, {transactionalId: 'tx', groupId: 'g', ...p, generationId: -1, memberId: '', groupInstanceId: null, topics: [{name: 't', partitions: [{partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: ''}]}]})
    expect(commit.topics[0].partitions[0].errorCode).toBe(ERR.NONE)
    const offsetFetch = async (requireStable: boolean) => (await call(ctx, handleOffsetFetch, 9, 7, {groupId: 'g', topics: [{name: 't', partitionIndexes: [0]}], requireStable})).topics[0].partitions[0]
    expect((await offsetFetch(true)).errorCode).toBe(ERR.UNSTABLE_OFFSET_COMMIT)
    expect(await offsetFetch(false)).toMatchObject({errorCode: ERR.NONE, committedOffset: -1})
    const described = (await call(ctx, handleDescribeTransactions, 65, 0, {transactionalIds: ['tx', 'nobody']})).transactionStates
    expect(described.map((s: Struct) => [s.errorCode, s.transactionState])).toEqual([[ERR.NONE, 'Ongoing'], [ERR.TRANSACTIONAL_ID_NOT_FOUND, '']])
    const listed = await call(ctx, handleListTransactions, 66, 1, {stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [], durationFilter: -1})
    expect(listed.transactionStates).toEqual([{transactionalId: 'tx', producerId: p.producerId, transactionState: 'Ongoing'}])
    expect(listed.unknownStateFilters).toEqual(['Bogus'])
    expect((await endTxn(ctx, 'tx', p, true)).errorCode).toBe(ERR.NONE)
    expect(await offsetFetch(true)).toMatchObject({errorCode: ERR.NONE, committedOffset: 7})
  })

  it('after a restart of strom serve, a live client is taken over between transactions, and fenced if it was inside one (readers counted that one aborted)', async () => {
    const first = server()
    const between = identity(await init(first.ctx, 'between'))
    const inside = identity(await init(first.ctx, 'inside'))
    await addPartition(first.ctx, 'inside', inside)
    expect((await produce(first.ctx, batch(inside, 0, 'lost'))).errorCode).toBe(ERR.NONE)
    first.ctx.close()
    contexts.splice(contexts.indexOf(first.ctx), 1)
    first.ctx.groups.close()

    const {ctx, log} = server(first.log)
    expect((await endTxn(ctx, 'inside', inside, true)).errorCode).toBe(ERR.PRODUCER_FENCED)
    expect((await addPartition(ctx, 'between', between)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ERR.NONE)
    expect(isLockedElsewhere(path.join(log.dir, 'transactions', 'between', `alive-${between.producerEpoch}`))).toBe(true)
    expect((await produce(ctx, batch(between, 0, 'kept'))).errorCode).toBe(ERR.NONE)
    expect((await endTxn(ctx, 'between', between, true)).errorCode).toBe(ERR.NONE)
    const read = await fetch(ctx, 1)
    expect(read.abortedTransactions).toEqual([{producerId: inside.producerId, firstOffset: 0}])
    expect(read.lastStableOffset).toBe(read.highWatermark)
  })
})
