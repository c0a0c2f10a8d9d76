import {decodeRequest, encodeResponse} from '../protocol/messages/leave-group.js'
import type {Handler} from './types.js'

export const handleLeaveGroup: Handler = (ctx, request, reader, writer) => {
  const req = decodeRequest(reader)
  encodeResponse(writer, request.header.apiVersion, {errorCode: ctx.groups.leave(req.groupId, req.memberId)})
}
