/**
 * ListOffsets: -2 = earliest (the log start), -1 = latest (the end offset), otherwise the first
 * record at or above the log start whose timestamp is at or after the given time (time index),
 * answered with that record's offset and its own timestamp, as Kafka does; -1 and -1 when none is.
 * Version 0 answers with a list of offsets (empty for none) instead of one offset.
 * With isolation_level 1 (read_committed, v2+) the partition ends at its last stable offset: latest
 * is the LSO, and a timestamp lookup finds only records below it, as Kafka answers.
 */
import type {ServerContext} from '../context.js'
import {ERR, kafkaErrorCode} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

const LATEST = -1
const EARLIEST = -2

interface PartitionRequest {
  partitionIndex: number
  timestamp: number
}

export const handleListOffsets: ApiHandler = (ctx, _request, req) => ({
  topics: (req.topics as Array<{name: string; partitions: PartitionRequest[]}>).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const answer = listOffset(ctx, t.name, p, req.isolationLevel === 1)
      return {...answer, oldStyleOffsets: answer.offset >= 0 ? [answer.offset] : []}
    }),
  })),
})

function listOffset(ctx: ServerContext, topicName: string, p: PartitionRequest, committed: boolean) {
  const none = (errorCode: number) => ({partitionIndex: p.partitionIndex, errorCode, timestamp: -1, offset: -1})
  try {
    const topic = ctx.topics.get(topicName)
    if (topic === undefined || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) return none(ERR.UNKNOWN_TOPIC_OR_PARTITION)
    const partition = topic.reader(p.partitionIndex)
    // The end before the transactions' view: a transaction the view misses starts at or after it.
    let end = partition.endOffset()
    if (committed) end = ctx.transactions.view().lastStableOffset(topicName, p.partitionIndex, end)
    if (p.timestamp === LATEST) return {...none(ERR.NONE), offset: end}
    if (p.timestamp === EARLIEST) return {...none(ERR.NONE), offset: partition.logStartOffset()}
    const found = partition.recordAtOrAfter(p.timestamp, partition.logStartOffset())
    if (found === undefined || found.offset >= end) return none(ERR.NONE)
    return {partitionIndex: p.partitionIndex, errorCode: ERR.NONE, timestamp: found.timestamp, offset: found.offset}
  } catch (error) {
    return none(kafkaErrorCode(error))
  }
}
