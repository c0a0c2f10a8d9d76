/** SyncGroup: every member gets the assignment the server computed; the leader's plan is not used. */
import type {ApiHandler} from './types.js'

export const handleSyncGroup: ApiHandler = (ctx, _request, req) => ({
  ...ctx.groups.sync(req.groupId, req.generationId, req.memberId),
  protocolType: req.protocolType,
  protocolName: req.protocolName,
})
