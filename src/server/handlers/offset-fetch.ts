/** OffsetFetch from the group's offsets.json; -1 where nothing is committed. */
import {readCommittedOffsets} from '../../core/groups/commits.js'
import {validateName} from '../../core/names.js'
import {ERR, kafkaErrorCode} from '../protocol/error-codes.js'
import {OffsetFetchResponse, decodeRequest, encodeResponse} from '../protocol/messages/offset-fetch.js'
import type {Handler} from './types.js'

export const handleOffsetFetch: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader)
  let response: OffsetFetchResponse
  try {
    validateName('group', req.groupId)
    const offsets = readCommittedOffsets(ctx.log.dir, req.groupId)
    const wanted = req.topics ?? Object.entries(offsets).map(([name, byPartition]) => ({name, partitionIndexes: Object.keys(byPartition).map(Number)}))
    response = {
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
    response = {errorCode, topics: (req.topics ?? []).map((t) => ({name: t.name, partitions: t.partitionIndexes.map((p) => ({partitionIndex: p, committedOffset: -1, metadata: null, errorCode}))}))}
  }
  encodeResponse(writer, version, response)
}
