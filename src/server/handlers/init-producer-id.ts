/**
 * InitProducerId for idempotent producers (librdkafka with enable.idempotence, newer clients by
 * default). Transactions are not supported: a transactional id is refused.
 */
import {ERR} from '../protocol/error-codes.js'
import {decodeRequest, encodeResponse} from '../protocol/messages/init-producer-id.js'
import type {Handler} from './types.js'

const TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53

export const handleInitProducerId: Handler = (ctx, request, reader, writer) => {
  const req = decodeRequest(reader)
  if (req.transactionalId !== null) {
    encodeResponse(writer, request.header.apiVersion, {errorCode: TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1})
    return
  }
  encodeResponse(writer, request.header.apiVersion, {errorCode: ERR.NONE, producerId: ctx.producers.newProducerId(), producerEpoch: 0})
}
