/** FindCoordinator: this node coordinates every group. Transactions have no coordinator here (transactions.ts). */
import {NODE_ID} from '../context.js'
import {ERR} from '../protocol/error-codes.js'
import {decodeRequest, encodeResponse} from '../protocol/messages/find-coordinator.js'
import type {Handler} from './types.js'
import {TRANSACTIONS_UNSUPPORTED} from '../transactions.js'

export const handleFindCoordinator: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  const {advertisedHost: host, advertisedPort: port} = ctx.options
  if (req.keyType !== 0) {
    ctx.options.log(`connection ${request.connection.id} (${request.header.clientId ?? 'no client id'}): transactional id '${req.key}' refused: ${TRANSACTIONS_UNSUPPORTED}`)
    encodeResponse(writer, version, {errorCode: ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: TRANSACTIONS_UNSUPPORTED, nodeId: -1, host: '', port: -1})
    return
  }
  encodeResponse(writer, version, {errorCode: ERR.NONE, errorMessage: null, nodeId: NODE_ID, host, port})
}
