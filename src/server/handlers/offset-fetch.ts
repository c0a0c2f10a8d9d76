/** OffsetFetch from the group's offsets.json; -1 where nothing is committed. v8+ asks for several groups at once. */
import {readCommittedOffsets} from '../../core/groups/commits.js'
import {validateName} from '../../core/names.js'
import type {ServerContext} from '../context.js'
import {ERR, kafkaErrorCode} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

type TopicsWanted = Array<{name: string; partitionIndexes: number[]}> | null

export const handleOffsetFetch: ApiHandler = (ctx, request, req) => {
  if (request.header.apiVersion >= 8) {
    return {groups: (req.groups as Array<{groupId: string; topics: TopicsWanted}>).map((g) => ({groupId: g.groupId, ...fetchGroup(ctx, g.groupId, g.topics)}))}
  }
  return fetchGroup(ctx, req.groupId, req.topics)
}

function fetchGroup(ctx: ServerContext, groupId: string, topics: TopicsWanted) {
  try {
    validateName('group', groupId)
    const offsets = readCommittedOffsets(ctx.log.dir, groupId)
    const wanted = topics ?? Object.entries(offsets).map(([name, byPartition]) => ({name, partitionIndexes: Object.keys(byPartition).map(Number)}))
    return {
      errorCode: ERR.NONE,
      topics: wanted.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => {
          const committed = offsets[t.name]?.[String(p)]
          return {partitionIndex: p, committedOffset: committed?.offset ?? -1, metadata: committed?.metadata ?? '', errorCode: ERR.NONE}
        }),
      })),
    }
  } catch (error) {
    const errorCode = kafkaErrorCode(error) === ERR.INVALID_TOPIC_EXCEPTION ? ERR.INVALID_GROUP_ID : kafkaErrorCode(error)
    return {errorCode, topics: (topics ?? []).map((t) => ({name: t.name, partitions: t.partitionIndexes.map((p) => ({partitionIndex: p, committedOffset: -1, metadata: null, errorCode}))}))}
  }
}
