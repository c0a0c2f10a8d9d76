/**
 * Produce: each batch is validated (batch-validation.ts) and appended as the client sent it, with
 * only the fields a broker owns rewritten: the base offset (by the partition writer) and the
 * partition leader epoch (0, as strom writes), both outside the CRC; and for LogAppendTime topics
 * the timestamp type bit and max timestamp, after which the CRC is recomputed (as Kafka does).
 * Appends are synchronous, so a request that started is acknowledged before the server stops.
 * Batches of idempotent producers are checked under the partition's write lock (producer-state.ts):
 * a retried batch is answered with its offset, not appended again; a sequence gap or an old epoch
 * is refused.
 * Transactional batches also pass the transaction coordinator's check (transactions.ts): a fenced
 * producer gets INVALID_PRODUCER_EPOCH, a partition outside the open transaction INVALID_TXN_STATE.
 */
import {BATCH, computeBatchCrc, isTransactionalBatch, writeInt64} from '../../core/format/record-batch.js'
import type {Topic} from '../../core/log.js'
import type {AppendResult} from '../../core/partition/partition-writer.js'
import type {ServerContext} from '../context.js'
import {splitBatches, validateBatch} from '../batch-validation.js'
import {producerBatchAt, type ProduceCheck} from '../producer-state.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

interface ProducePartitionResponse {
  index: number
  errorCode: number
  baseOffset: number
  logAppendTimeMs: number
  logStartOffset: number
}

interface ProduceTopic {
  name: string
  partitionData: Array<{index: number; records: Buffer | null}>
}

export const handleProduce: ApiHandler = (ctx, request, req) => {
  const responses = (req.topicData as ProduceTopic[]).map((t) => {
    let topic: Topic | undefined
    let topicError: number = ERR.NONE
    try {
      topic = ctx.topics.get(t.name)
      if (topic === undefined) topicError = ERR.UNKNOWN_TOPIC_OR_PARTITION
    } catch (error) {
      topicError = kafkaErrorCode(error)
    }
    return {
      name: t.name,
      partitionResponses: t.partitionData.map((p) => (topic === undefined ? failed(p.index, topicError) : appendPartition(ctx, topic, p.index, p.records, req.acks, request.header.apiVersion))),
    }
  })
  if (req.acks === 0) {
    request.noResponse = true
    return undefined
  }
  return {responses}
}

/** Thrown from the append's check to leave the log as it is (the verdict says why). */
const notAppended = new Error('batch not appended')

function failed(index: number, errorCode: number): ProducePartitionResponse {
  return {index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1}
}

function appendPartition(ctx: ServerContext, topic: Topic, partition: number, records: Buffer | null, acks: number, version: number): ProducePartitionResponse {
  if (partition < 0 || partition >= topic.partitions) return failed(partition, ERR.UNKNOWN_TOPIC_OR_PARTITION)
  const spans = splitBatches(records ?? Buffer.alloc(0))
  if (!Array.isArray(spans)) {
    ctx.options.log(`produce to ${topic.name}/${partition} refused: ${spans.message}`)
    return failed(partition, spans.errorCode)
  }
  const buf = records!
  const requireKeys = topic.config.cleanupPolicy.includes('compact')
  for (const [start, end] of spans) {
    const problem = validateBatch(buf, start, end, requireKeys, topic.config.maxMessageBytes, version)
    if (problem !== undefined) {
      ctx.options.log(`produce to ${topic.name}/${partition} refused: ${problem.message}`)
      return failed(partition, problem.errorCode)
    }
  }
  const logAppendTime = topic.config.messageTimestampType === 'LogAppendTime'
  const now = Date.now()
  const key = `${topic.name}/${partition}`
  let firstOffset = -1
  try {
    let producers = ctx.producers.partition(topic, partition)
    for (const [start, end] of spans) {
      const batch = buf.subarray(start, end)
      const producer = producerBatchAt(batch, 0)
      // A transactional batch is appended only while its producer's open transaction holds this
      // partition, checked under the partition's write lock (a fenced producer never writes after
      // the marker that fenced it).
      let txnCheck: ((nextOffset: number) => void) | undefined
      if (isTransactionalBatch(batch.readInt16BE(BATCH.attributes))) {
        const transactionalId = ctx.transactions.transactionalIdOf(producer.producerId)
        if (transactionalId === undefined) {
          ctx.options.log(`produce to ${key} refused: transactional batch of producer ${producer.producerId}, which no transactional id has`)
          return failed(partition, ERR.INVALID_PRODUCER_ID_MAPPING)
        }
        ctx.transactions.resume(transactionalId, producer)
        txnCheck = ctx.transactions.coordinator.appendCheck(transactionalId, producer, topic.name, partition)
      }
      batch.writeInt32BE(0, BATCH.partitionLeaderEpoch)
      if (logAppendTime) {
        batch.writeInt16BE(batch.readInt16BE(BATCH.attributes) | 0x08, BATCH.attributes)
        writeInt64(batch, BATCH.maxTimestamp, now)
        batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), BATCH.crc)
      }
      // The sequence check runs under the write lock, where the writer knows the log's end: the
      // batches another process appended are read first, and no one appends between check and write.
      let verdict = {action: 'append'} as ProduceCheck
      let result: AppendResult
      try {
        result = topic.writer(partition).append(batch, {
          sync: ctx.options.sync && acks !== 0,
          check: (nextOffset) => {
            producers = ctx.producers.catchUp(topic, partition, producers, nextOffset)
            verdict = producers.check(producer)
            if (verdict.action !== 'append') throw notAppended
            txnCheck?.(nextOffset)
          },
          written: (written) => producers.record(producer, written.baseOffset),
        })
      } catch (error) {
        if (error !== notAppended) throw error
        if (verdict.action === 'refuse') {
          ctx.options.log(`produce to ${key} refused: ${verdict.message}`)
          return failed(partition, verdict.errorCode)
        }
        // A retry of a batch already in the log: acknowledged with the offset it was written at.
        if (verdict.action === 'duplicate' && firstOffset < 0) firstOffset = verdict.baseOffset
        continue
      }
      if (firstOffset < 0) firstOffset = result.baseOffset
    }
  } catch (error) {
    ctx.options.log(`produce to ${key} failed: ${errorMessage(error)}`)
    return failed(partition, kafkaErrorCode(error))
  } finally {
    ctx.watch.notify(topic.partitionDir(partition))
  }
  return {index: partition, errorCode: ERR.NONE, baseOffset: firstOffset, logAppendTimeMs: logAppendTime ? now : -1, logStartOffset: topic.reader(partition).logStartOffset()}
}
