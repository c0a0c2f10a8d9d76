/**
 * CreatePartitions grows a topic as `strom topic alter --partitions` does (the engine's
 * TopicStore.alter, under the topic lock). Metadata reports the new count at once: the topic
 * cache reopens a topic whose topic.json changed. Manual assignments may only name this node.
 */
import {MAX_PARTITIONS} from '../../core/topic/topic-store.js'
import {NODE_ID, type ServerContext} from '../context.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {Struct} from '../../protocol/schema.js'
import type {ApiHandler} from './types.js'

interface CreatePartitionsTopic {
  name: string
  count: number
  /** One per new partition, or null: "place them as you like". */
  assignments: Array<{brokerIds: number[]}> | null
}

export const handleCreatePartitions: ApiHandler = (ctx, _request, req) => ({
  throttleTimeMs: 0,
  results: (req.topics as CreatePartitionsTopic[]).map((t) => growTopic(ctx, t, req.validateOnly as boolean)),
})

function growTopic(ctx: ServerContext, t: CreatePartitionsTopic, validateOnly: boolean): Struct {
  const fail = (errorCode: number, message: string) => ({name: t.name, errorCode, errorMessage: message})
  try {
    const topic = ctx.topics.get(t.name)
    if (topic === undefined) return fail(ERR.UNKNOWN_TOPIC_OR_PARTITION, `topic '${t.name}' does not exist`)
    const current = topic.partitions
    if (t.count <= current) return fail(ERR.INVALID_PARTITIONS, `topic '${t.name}' has ${current} partitions; the count can only grow (asked for ${t.count})`)
    if (t.count > MAX_PARTITIONS) return fail(ERR.INVALID_PARTITIONS, `invalid partition count ${t.count}: at most ${MAX_PARTITIONS}`)
    if (t.assignments !== null) {
      if (t.assignments.length !== t.count - current) return fail(ERR.INVALID_REPLICA_ASSIGNMENT, `${t.assignments.length} assignments for ${t.count - current} new partitions`)
      if (t.assignments.some(({brokerIds}) => brokerIds.length !== 1 || brokerIds[0] !== NODE_ID)) return fail(ERR.INVALID_REPLICA_ASSIGNMENT, `this server is a single node: every new partition's replicas must be [${NODE_ID}]`)
    }
    if (!validateOnly) {
      ctx.log.topics.alter(t.name, {partitions: t.count})
      ctx.options.log(`topic '${t.name}': ${current} -> ${t.count} partitions`)
    }
    return {name: t.name, errorCode: ERR.NONE, errorMessage: null}
  } catch (error) {
    return fail(kafkaErrorCode(error), errorMessage(error))
  }
}
