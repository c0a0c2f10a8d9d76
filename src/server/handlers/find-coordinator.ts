/**
 * FindCoordinator: this node coordinates every group (key type 0) and every transactional id (key
 * type 1). v4 asks for several keys at once and gets one answer per key.
 */
import {NODE_ID} from '../context.js'
import {ERR} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

const GROUP = 0
const TRANSACTION = 1

export const handleFindCoordinator: ApiHandler = (ctx, request, req) => {
  const {advertisedHost: host, advertisedPort: port} = ctx.options
  const answer = (key: string) => {
    if (req.keyType === GROUP || req.keyType === TRANSACTION) return {key, errorCode: ERR.NONE, errorMessage: null, nodeId: NODE_ID, host, port}
    return {key, errorCode: ERR.INVALID_REQUEST, errorMessage: `coordinator key type ${req.keyType} is not served (0 = group, 1 = transaction)`, nodeId: -1, host: '', port: -1}
  }
  if (request.header.apiVersion >= 4) return {coordinators: (req.coordinatorKeys as string[]).map(answer)}
  return answer(req.key)
}
