import type {ApiHandler} from './types.js'

export const handleHeartbeat: ApiHandler = (ctx, _request, req) => ({errorCode: ctx.groups.heartbeat(req.groupId, req.generationId, req.memberId)})
