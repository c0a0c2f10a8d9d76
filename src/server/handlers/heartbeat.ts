import {decodeRequest, encodeResponse} from '../protocol/messages/heartbeat.js'
import type {Handler} from './types.js'

export const handleHeartbeat: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  encodeResponse(writer, version, {errorCode: ctx.groups.heartbeat(req.groupId, req.generationId, req.memberId)})
}
