/**
 * DeleteGroups, as `strom group delete`: the group's offsets and state go, refused while it has
 * live members, Kafka clients held by this server or strom consumers anywhere (NON_EMPTY_GROUP).
 */
import {deleteGroup} from '../../core/groups/group-admin.js'
import {validateName} from '../../core/names.js'
import {StromError} from '../../core/errors.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

export const handleDeleteGroups: ApiHandler = (ctx, _request, req) => {
  const results = (req.groupsNames as string[]).map((groupId) => {
    try {
      validateName('group', groupId)
    } catch {
      return {groupId, errorCode: ERR.INVALID_GROUP_ID}
    }
    if (ctx.groups.hasMembers(groupId)) return {groupId, errorCode: ERR.NON_EMPTY_GROUP}
    try {
      deleteGroup(ctx.log, groupId)
      ctx.groups.forget(groupId)
      ctx.options.log(`deleted group '${groupId}'`)
      return {groupId, errorCode: ERR.NONE}
    } catch (error) {
      // A group this server remembers but that has no files (never committed, never joined strom-side) is simply forgotten.
      if (error instanceof StromError && error.code === 'UNKNOWN_GROUP' && ctx.groups.forget(groupId)) return {groupId, errorCode: ERR.NONE}
      if (kafkaErrorCode(error) === ERR.UNKNOWN_SERVER_ERROR || kafkaErrorCode(error) === ERR.KAFKA_STORAGE_ERROR) ctx.options.log(`deleting group '${groupId}' failed: ${errorMessage(error)}`)
      return {groupId, errorCode: kafkaErrorCode(error)}
    }
  })
  return {throttleTimeMs: 0, results}
}
