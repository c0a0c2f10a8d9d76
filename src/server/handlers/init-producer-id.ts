/**
 * InitProducerId: without a transactional id, a fresh producer id for an idempotent producer; with
 * one, the transaction coordinator's InitProducerId (transactions.ts): the previous producer of
 * the id is fenced and its open transaction aborted, and the epoch goes up. v3+ may carry the
 * producer's current id and epoch (KIP-360): then only that producer may re-initialise the id.
 */
import {ERR, errorMessage} from '../protocol/error-codes.js'
import {MAX_TRANSACTION_TIMEOUT_MS, txnErrorCode} from '../transactions.js'
import type {ApiHandler} from './types.js'

/** InitProducerId answers PRODUCER_FENCED from v4 (KIP-588), INVALID_PRODUCER_EPOCH before. */
const FENCED_SINCE = 4

export const handleInitProducerId: ApiHandler = (ctx, request, req) => {
  const failed = (errorCode: number) => ({errorCode, producerId: -1, producerEpoch: -1})
  if (req.transactionalId === null) return {errorCode: ERR.NONE, producerId: ctx.producers.newProducerId(), producerEpoch: 0}
  const id = req.transactionalId as string
  if (id === '') return failed(ERR.INVALID_REQUEST)
  if (req.transactionTimeoutMs <= 0 || req.transactionTimeoutMs > MAX_TRANSACTION_TIMEOUT_MS) return failed(ERR.INVALID_TRANSACTION_TIMEOUT)
  const expected = req.producerId >= 0 && req.producerEpoch >= 0 ? {producerId: Number(req.producerId), producerEpoch: req.producerEpoch as number} : undefined
  try {
    const session = ctx.transactions.init(id, req.transactionTimeoutMs, expected)
    return {errorCode: ERR.NONE, producerId: session.producerId, producerEpoch: session.producerEpoch}
  } catch (error) {
    ctx.options.log(`connection ${request.connection.id} (${request.header.clientId ?? 'no client id'}): InitProducerId for transactional id '${id}' failed: ${errorMessage(error)}`)
    return failed(txnErrorCode(error, request.header.apiVersion, FENCED_SINCE))
  }
}
