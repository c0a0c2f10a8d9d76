/**
 * ListOffsets: -2 = earliest (the log start), -1 = latest (the end offset), otherwise the first
 * record at or above the log start whose timestamp is at or after the given time (time index),
 * answered with that record's offset and its own timestamp, as Kafka does; -1 and -1 when none is.
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
        if (p.timestamp === LATEST) return {partitionIndex: p.partitionIndex, errorCode: ERR.NONE, timestamp: -1, offset: partition.endOffset()}
        if (p.timestamp === EARLIEST) return {partitionIndex: p.partitionIndex, errorCode: ERR.NONE, timestamp: -1, offset: partition.logStartOffset()}
        const end = partition.endOffset()
        const found = partition.recordAtOrAfter(p.timestamp, partition.logStartOffset())
        if (found === undefined || found.offset >= end) return {partitionIndex: p.partitionIndex, errorCode: ERR.NONE, timestamp: -1, offset: -1}
        return {partitionIndex: p.partitionIndex, errorCode: ERR.NONE, timestamp: found.timestamp, offset: found.offset}
      } catch (error) {
        return {partitionIndex: p.partitionIndex, errorCode: kafkaErrorCode(error), timestamp: -1, offset: -1}
      }
    }),
  }))
  encodeResponse(writer, version, {topics})
}
