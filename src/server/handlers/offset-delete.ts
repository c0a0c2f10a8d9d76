/**
 * OffsetDelete (KIP-496): a group's committed offsets of some partitions go, as the engine's
 * deleteOffsets does it; partitions of topics the group's live members subscribe to keep theirs
 * (GROUP_SUBSCRIBED_TO_TOPIC), as in Kafka.
 */
import {deleteOffsets} from '../../core/groups/group-admin.js'
import {validateName} from '../../core/names.js'
import {StromError} from '../../core/errors.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

interface OffsetDeleteTopic {
  name: string
  partitions: Array<{partitionIndex: number}>
}

export const handleOffsetDelete: ApiHandler = (ctx, _request, req) => {
  const groupId = req.groupId as string
  const topics = req.topics as OffsetDeleteTopic[]
  const fail = (errorCode: number) => ({errorCode, throttleTimeMs: 0, topics: []})
  try {
    validateName('group', groupId)
  } catch {
    return fail(ERR.INVALID_GROUP_ID)
  }
  const asked = topics.flatMap((t) => t.partitions.map((p) => ({topic: t.name, partition: p.partitionIndex})))
  try {
    const outcomes = deleteOffsets(ctx.log, groupId, asked)
    let i = 0
    const answered = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({partitionIndex: p.partitionIndex, errorCode: outcomes[i++] === 'subscribed' ? ERR.GROUP_SUBSCRIBED_TO_TOPIC : ERR.NONE})),
    }))
    ctx.options.log(`group '${groupId}': deleted committed offsets of ${outcomes.filter((o) => o === 'deleted').length} partition(s) (OffsetDelete)`)
    return {errorCode: ERR.NONE, throttleTimeMs: 0, topics: answered}
  } catch (error) {
    if (error instanceof StromError && error.code === 'UNKNOWN_GROUP') return fail(ERR.GROUP_ID_NOT_FOUND)
    ctx.options.log(`OffsetDelete for group '${groupId}' failed: ${errorMessage(error)}`)
    return fail(kafkaErrorCode(error))
  }
}
