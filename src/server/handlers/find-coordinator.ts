/** FindCoordinator: this node coordinates every group. Transactions have no coordinator here. */
import {NODE_ID} from '../context.js'
import {ERR} from '../protocol/error-codes.js'
import {decodeRequest, encodeResponse} from '../protocol/messages/find-coordinator.js'
import type {Handler} from './types.js'

export const handleFindCoordinator: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  const {advertisedHost: host, advertisedPort: port} = ctx.options
  if (req.keyType !== 0) {
    encodeResponse(writer, version, {errorCode: ERR.COORDINATOR_NOT_AVAILABLE, errorMessage: 'transactions are not supported', nodeId: -1, host: '', port: -1})
    return
  }
  encodeResponse(writer, version, {errorCode: ERR.NONE, errorMessage: null, nodeId: NODE_ID, host, port})
}
