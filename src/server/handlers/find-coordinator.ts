/**
 * FindCoordinator: this node coordinates every group. Transactions have no coordinator here
 * (transactions.ts). v4 asks for several keys at once and gets one answer per key.
 */
import {NODE_ID} from '../context.js'
import {ERR} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'
import {TRANSACTIONS_UNSUPPORTED} from '../transactions.js'

export const handleFindCoordinator: ApiHandler = (ctx, request, req) => {
  const {advertisedHost: host, advertisedPort: port} = ctx.options
  const answer = (key: string) => {
    if (req.keyType === 0) return {key, errorCode: ERR.NONE, errorMessage: null, nodeId: NODE_ID, host, port}
    ctx.options.log(`connection ${request.connection.id} (${request.header.clientId ?? 'no client id'}): transactional id '${key}' refused: ${TRANSACTIONS_UNSUPPORTED}`)
    return {key, errorCode: ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: TRANSACTIONS_UNSUPPORTED, nodeId: -1, host: '', port: -1}
  }
  if (request.header.apiVersion >= 4) return {coordinators: (req.coordinatorKeys as string[]).map(answer)}
  return answer(req.key)
}
