/** LeaveGroup: v0-2 the sender leaves; v3+ names the members that leave, each answered on its own. */
import {ERR} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

export const handleLeaveGroup: ApiHandler = (ctx, request, req) => {
  if (request.header.apiVersion < 3) return {errorCode: ctx.groups.leave(req.groupId, req.memberId)}
  const members = (req.members as Array<{memberId: string; groupInstanceId: string | null}>).map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    errorCode: ctx.groups.leave(req.groupId, m.memberId),
  }))
  // The top-level code reports a problem with the group itself; member problems are per member.
  const errorCode = members.length > 0 && members.every((m) => m.errorCode === ERR.INVALID_GROUP_ID) ? ERR.INVALID_GROUP_ID : ERR.NONE
  return {errorCode, members}
}
