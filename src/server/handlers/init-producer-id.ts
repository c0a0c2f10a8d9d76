/**
 * InitProducerId for idempotent producers (librdkafka with enable.idempotence, newer clients by
 * default). Transactions are not supported: a transactional id is refused (transactions.ts; the
 * response has no message field, so the reason goes to the log).
 */
import {ERR} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'
import {TRANSACTIONS_UNSUPPORTED} from '../transactions.js'

export const handleInitProducerId: ApiHandler = (ctx, request, req) => {
  if (req.transactionalId !== null) {
    ctx.options.log(`connection ${request.connection.id} (${request.header.clientId ?? 'no client id'}): transactional id '${req.transactionalId}' refused: ${TRANSACTIONS_UNSUPPORTED}`)
    return {errorCode: ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1}
  }
  return {errorCode: ERR.NONE, producerId: ctx.producers.newProducerId(), producerEpoch: 0}
}
