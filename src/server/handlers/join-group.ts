/** JoinGroup: parked until the rebalance completes (group-coordinator.ts). */
import {decodeRequest, encodeResponse} from '../protocol/messages/join-group.js'
import type {Handler} from './types.js'

export const handleJoinGroup: Handler = async (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  const response = await ctx.groups.join(req, request.header.clientId ?? '', request.connection.clientHost)
  encodeResponse(writer, version, response)
}
