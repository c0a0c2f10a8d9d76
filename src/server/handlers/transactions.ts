/**
 * The transaction coordinator's APIs for Kafka clients, each one call into core's
 * TransactionCoordinator (ctx.transactions.coordinator; sessions and error codes: transactions.ts):
 *
 * - AddPartitionsToTxn (v0-3): the partitions join the open transaction (it opens with the first);
 *   an unknown partition fails the request, the others answered OPERATION_NOT_ATTEMPTED, as Kafka.
 * - AddOffsetsToTxn: the group's offsets will commit with the transaction; it opens the transaction
 *   (Kafka adds the group's __consumer_offsets partition to it here).
 * - TxnOffsetCommit: the offsets, pending until EndTxn commits. From v3 the member's generation is
 *   checked against this server's group coordinator (KIP-447), and EndTxn checks at commit that the
 *   member still owns the partitions.
 * - EndTxn: commit (PrepareCommit, markers, offsets applied) or abort. A commit after the
 *   transaction's timeout is refused as fenced: it was, or is about to be, aborted with a bumped
 *   epoch (Kafka's coordinator does the same).
 * - DescribeTransactions, ListTransactions: from the state files.
 */
import {validateName} from '../../core/names.js'
import {GroupFence} from '../../core/txn/txn-coordinator.js'
import {TxnState, TxnStateName, transactionFiles} from '../../core/txn/txn-store.js'
import type {Topic} from '../../core/log.js'
import type {ServerContext} from '../context.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import {txnErrorCode} from '../transactions.js'
import type {ApiHandler, RequestContext} from './types.js'

/** From these versions the APIs answer PRODUCER_FENCED (KIP-588); INVALID_PRODUCER_EPOCH before. */
const FENCED_SINCE = {AddPartitionsToTxn: 2, AddOffsetsToTxn: 2, EndTxn: 2, TxnOffsetCommit: Number.MAX_SAFE_INTEGER}
const OPERATION_NOT_ATTEMPTED = 55
const OFFSET_METADATA_TOO_LARGE = 12
const MAX_METADATA_BYTES = 4096

function who(request: RequestContext, id: string): string {
  return `connection ${request.connection.id} (${request.header.clientId ?? 'no client id'}), transactional id '${id}'`
}

function producerOf(req: {producerId: number; producerEpoch: number}) {
  return {producerId: Number(req.producerId), producerEpoch: req.producerEpoch}
}

export const handleAddPartitionsToTxn: ApiHandler = (ctx, request, req) => {
  const id = req.v3AndBelowTransactionalId as string
  const wanted = req.v3AndBelowTopics as Array<{name: string; partitions: number[]}>
  const codes = new Map<string, number>()
  const found: Array<{topic: Topic; partition: number}> = []
  for (const t of wanted) {
    let topic: Topic | undefined
    try {
      topic = ctx.topics.get(t.name)
    } catch {
      topic = undefined
    }
    for (const p of t.partitions) {
      if (topic === undefined || p < 0 || p >= topic.partitions) codes.set(`${t.name}:${p}`, ERR.UNKNOWN_TOPIC_OR_PARTITION)
      else found.push({topic, partition: p})
    }
  }
  let all: number = codes.size > 0 ? OPERATION_NOT_ATTEMPTED : ERR.NONE
  if (codes.size === 0) {
    try {
      const producer = {producerId: Number(req.v3AndBelowProducerId), producerEpoch: req.v3AndBelowProducerEpoch as number}
      ctx.transactions.resume(id, producer)
      ctx.transactions.coordinator.addPartitions(id, producer, found)
    } catch (error) {
      ctx.options.log(`${who(request, id)}: AddPartitionsToTxn failed: ${errorMessage(error)}`)
      all = txnErrorCode(error, request.header.apiVersion, FENCED_SINCE.AddPartitionsToTxn)
    }
  }
  return {
    resultsByTopicV3AndBelow: wanted.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({partitionIndex: p, partitionErrorCode: codes.get(`${t.name}:${p}`) ?? all})),
    })),
  }
}

export const handleAddOffsetsToTxn: ApiHandler = (ctx, request, req) => {
  const id = req.transactionalId as string
  try {
    validateName('group', req.groupId)
  } catch {
    return {errorCode: ERR.INVALID_GROUP_ID}
  }
  try {
    ctx.transactions.resume(id, producerOf(req as never))
    ctx.transactions.coordinator.addOffsets(id, producerOf(req as never), req.groupId, [])
    return {errorCode: ERR.NONE}
  } catch (error) {
    ctx.options.log(`${who(request, id)}: AddOffsetsToTxn failed: ${errorMessage(error)}`)
    return {errorCode: txnErrorCode(error, request.header.apiVersion, FENCED_SINCE.AddOffsetsToTxn)}
  }
}

interface TxnOffsetCommitRequest {
  transactionalId: string
  groupId: string
  producerId: number
  producerEpoch: number
  generationId: number
  memberId: string
  topics: Array<{name: string; partitions: Array<{partitionIndex: number; committedOffset: number; committedMetadata: string | null}>}>
}

export const handleTxnOffsetCommit: ApiHandler = (ctx, request, body) => {
  const req = body as TxnOffsetCommitRequest
  const codes = new Map<string, number>()
  const answer = (all: number) => ({
    topics: req.topics.map((t) => ({name: t.name, partitions: t.partitions.map((p) => ({partitionIndex: p.partitionIndex, errorCode: codes.get(`${t.name}:${p.partitionIndex}`) ?? all}))})),
  })
  try {
    validateName('group', req.groupId)
  } catch {
    return answer(ERR.INVALID_GROUP_ID)
  }
  // KIP-447: a member's commit must come from the current generation; EndTxn rechecks ownership.
  let fence: GroupFence | undefined
  if (req.memberId !== '' || req.generationId >= 0) {
    const committer = ctx.groups.committer(req.groupId, req.generationId, req.memberId)
    if (committer.proxy === undefined) return answer(committer.errorCode)
    // The member's claim generation of each partition: EndTxn commits only if it still owns them so.
    const claims: Record<string, number> = {}
    for (const t of req.topics) for (const p of t.partitions) claims[`${t.name}:${p.partitionIndex}`] = committer.proxy.claimGeneration(`${t.name}:${p.partitionIndex}`) ?? -1
    fence = {memberId: committer.proxy.id, claims}
  }
  const offsets = []
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const key = `${t.name}:${p.partitionIndex}`
      if (!Number.isSafeInteger(p.committedOffset) || p.committedOffset < 0) codes.set(key, ERR.INVALID_COMMIT_OFFSET_SIZE)
      else if (Buffer.byteLength(p.committedMetadata ?? '') > MAX_METADATA_BYTES) codes.set(key, OFFSET_METADATA_TOO_LARGE)
      else offsets.push({topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata ?? ''})
    }
  }
  try {
    ctx.transactions.resume(req.transactionalId, producerOf(req))
    if (offsets.length > 0) ctx.transactions.coordinator.addOffsets(req.transactionalId, producerOf(req), req.groupId, offsets)
    if (fence !== undefined) ctx.transactions.addFence(req.transactionalId, req.groupId, fence)
    return answer(ERR.NONE)
  } catch (error) {
    ctx.options.log(`${who(request, req.transactionalId)}: TxnOffsetCommit failed: ${errorMessage(error)}`)
    return answer(txnErrorCode(error, request.header.apiVersion, FENCED_SINCE.TxnOffsetCommit))
  }
}

export const handleEndTxn: ApiHandler = (ctx, request, req) => {
  const id = req.transactionalId as string
  const fenced = (error: unknown) => txnErrorCode(error, request.header.apiVersion, FENCED_SINCE.EndTxn)
  try {
    ctx.transactions.resume(id, producerOf(req as never))
    const before = ctx.transactions.coordinator.files(id).read()
    const outcome = ctx.transactions.coordinator.endTransaction(id, producerOf(req as never), req.committed as boolean, ctx.transactions.takeFences(id))
    if (before !== undefined) notifyPartitions(ctx, before)
    if (outcome === 'timed out') {
      ctx.options.log(`${who(request, id)}: commit refused: the transaction ran past its timeout (${before?.timeoutMs} ms) and was aborted`)
      return {errorCode: request.header.apiVersion >= FENCED_SINCE.EndTxn ? ERR.PRODUCER_FENCED : ERR.INVALID_PRODUCER_EPOCH}
    }
    if (typeof outcome === 'object') {
      ctx.options.log(`${who(request, id)}: commit refused, transaction aborted: ${outcome.lost}`)
      return {errorCode: ERR.INVALID_TXN_STATE}
    }
    return {errorCode: ERR.NONE}
  } catch (error) {
    ctx.options.log(`${who(request, id)}: EndTxn failed: ${errorMessage(error)}`)
    return {errorCode: fenced(error)}
  }
}

/** Long polls on the transaction's partitions see its markers (and the last stable offset move) at once. */
function notifyPartitions(ctx: ServerContext, state: TxnState): void {
  for (const [name, partitions] of Object.entries(state.partitions)) {
    try {
      const topic = ctx.topics.get(name)
      if (topic !== undefined) for (const p of Object.keys(partitions)) if (Number(p) < topic.partitions) ctx.watch.notify(topic.partitionDir(Number(p)))
    } catch {
      // a deleted topic: nobody waits on it
    }
  }
}

/** Kafka's transaction state names (TransactionState), for ListTransactions' state filter. */
const KAFKA_STATES = new Set<string>(['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'])

export const handleDescribeTransactions: ApiHandler = (ctx, _request, req) => ({
  transactionStates: (req.transactionalIds as string[]).map((id) => {
    const none = (errorCode: number) => ({errorCode, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: []})
    try {
      const state = transactionFiles(ctx.log.dir, id).read()
      if (state === undefined) return none(ERR.TRANSACTIONAL_ID_NOT_FOUND)
      return {
        errorCode: ERR.NONE,
        transactionalId: id,
        transactionState: state.state,
        transactionTimeoutMs: state.timeoutMs,
        transactionStartTimeMs: state.startedMs > 0 ? state.startedMs : -1,
        producerId: state.producerId,
        producerEpoch: state.producerEpoch,
        topics: Object.entries(state.partitions).map(([topic, ps]) => ({topic, partitions: Object.keys(ps).map(Number)})),
      }
    } catch (error) {
      return none(id === '' ? ERR.TRANSACTIONAL_ID_NOT_FOUND : kafkaErrorCode(error))
    }
  }),
})

export const handleListTransactions: ApiHandler = (ctx, _request, req) => {
  const stateFilters = req.stateFilters as string[]
  const producerFilters = new Set((req.producerIdFilters as number[]).map(Number))
  const durationMs = req.durationFilter as number
  const now = Date.now()
  try {
    const states = ctx.transactions.states().filter(
      (s) =>
        (stateFilters.length === 0 || stateFilters.includes(s.state)) &&
        (producerFilters.size === 0 || producerFilters.has(s.producerId)) &&
        // v1: only transactions open longer than this (Kafka compares with the start time).
        (durationMs < 0 || (s.startedMs > 0 && now - s.startedMs > durationMs)),
    )
    return {
      errorCode: ERR.NONE,
      unknownStateFilters: stateFilters.filter((name) => !KAFKA_STATES.has(name)),
      transactionStates: states.map((s) => ({transactionalId: s.transactionalId, producerId: s.producerId, transactionState: s.state satisfies TxnStateName})),
    }
  } catch (error) {
    ctx.options.log(`ListTransactions failed: ${errorMessage(error)}`)
    return {errorCode: kafkaErrorCode(error), unknownStateFilters: [], transactionStates: []}
  }
}
