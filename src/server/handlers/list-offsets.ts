/**
 * ListOffsets: -2 = earliest (the log start), -1 = latest (the end offset), otherwise the first
 * offset whose record timestamp is at or after the given time (time index), or -1 when none is.
 */
import {ERR, kafkaErrorCode} from '../protocol/error-codes.js'
import {ListOffsetsPartition, decodeRequest, encodeResponse} from '../protocol/messages/list-offsets.js'
import type {Handler} from './types.js'

const LATEST = -1
const EARLIEST = -2

export const handleListOffsets: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p): ListOffsetsPartition => {
      try {
        const topic = ctx.topics.get(t.name)
        if (topic === undefined || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) return {partitionIndex: p.partitionIndex, errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1, offset: -1}
        const partition = topic.reader(p.partitionIndex)
        let offset: number
        if (p.timestamp === LATEST) offset = partition.endOffset()
        else if (p.timestamp === EARLIEST) offset = partition.logStartOffset()
        else {
          const end = partition.endOffset()
          offset = partition.offsetForTimestamp(p.timestamp)
          if (offset >= end) offset = -1
        }
        return {partitionIndex: p.partitionIndex, errorCode: ERR.NONE, timestamp: offset >= 0 && p.timestamp >= 0 ? p.timestamp : -1, offset}
      } catch (error) {
        return {partitionIndex: p.partitionIndex, errorCode: kafkaErrorCode(error), timestamp: -1, offset: -1}
      }
    }),
  }))
  encodeResponse(writer, version, {topics})
}
