/** JoinGroup: parked until the rebalance completes (group-coordinator.ts). */
import type {ApiHandler} from './types.js'

export const handleJoinGroup: ApiHandler = async (ctx, request, req) => {
  const response = await ctx.groups.join(
    {
      groupId: req.groupId,
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout: the session timeout stands in for it, as in Kafka.
      rebalanceTimeoutMs: request.header.apiVersion >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      // Copies: the request buffer is not kept, but the leader gets these bytes back in a later response.
      protocols: (req.protocols as Array<{name: string; metadata: Buffer}>).map((p) => ({name: p.name, metadata: Buffer.from(p.metadata)})),
    },
    request.header.clientId ?? '',
    request.connection.clientHost,
  )
  return {...response, protocolType: 'consumer'}
}
