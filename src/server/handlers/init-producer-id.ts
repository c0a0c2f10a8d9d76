/**
 * InitProducerId for idempotent producers (librdkafka with enable.idempotence, newer clients by
 * default). Transactions are not supported: a transactional id is refused (transactions.ts; this
 * version of the response has no message field, so the reason goes to the log).
 */
import {ERR} from '../protocol/error-codes.js'
import {decodeRequest, encodeResponse} from '../protocol/messages/init-producer-id.js'
import type {Handler} from './types.js'
import {TRANSACTIONS_UNSUPPORTED} from '../transactions.js'

export const handleInitProducerId: Handler = (ctx, request, reader, writer) => {
  const req = decodeRequest(reader)
  if (req.transactionalId !== null) {
    ctx.options.log(`connection ${request.connection.id} (${request.header.clientId ?? 'no client id'}): transactional id '${req.transactionalId}' refused: ${TRANSACTIONS_UNSUPPORTED}`)
    encodeResponse(writer, request.header.apiVersion, {errorCode: ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1})
    return
  }
  encodeResponse(writer, request.header.apiVersion, {errorCode: ERR.NONE, producerId: ctx.producers.newProducerId(), producerEpoch: 0})
}
