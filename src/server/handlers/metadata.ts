/**
 * Metadata: this node is the only broker and the leader of every partition. Topics named in the
 * request are created when missing (Kafka's auto.create.topics.enable), which kafka-python's
 * send() relies on: without it, it waits 60 s for metadata that never comes. From v10 a topic may
 * be asked for by id instead of name (topic-ids.ts).
 */
import type {Topic} from '../../core/log.js'
import {NODE_ID, type ServerContext} from '../context.js'
import {ERR, kafkaErrorCode} from '../protocol/error-codes.js'
import {topicIdOf, topicNameOf} from '../topic-ids.js'
import type {ApiHandler} from './types.js'
import {ZERO_UUID} from '../../protocol/schema.js'

export const handleMetadata: ApiHandler = (ctx, request, req) => {
  const version = request.header.apiVersion
  // v0 has no null: an empty list means every topic.
  const asked: Array<{name: string | null; topicId: string}> | null = version === 0 && req.topics.length === 0 ? null : req.topics
  const autoCreate = asked !== null && req.allowAutoTopicCreation && ctx.options.autoCreateTopics
  const topics =
    asked === null
      ? ctx.log.listTopics().map((name) => describeTopic(ctx, name, false))
      : asked.map((t) => {
          if (t.name !== null && t.name !== '') return describeTopic(ctx, t.name, autoCreate)
          const name = topicNameOf(ctx, t.topicId)
          return name === undefined ? {errorCode: ERR.UNKNOWN_TOPIC_ID, name: null, topicId: t.topicId, partitions: []} : describeTopic(ctx, name, false)
        })
  return {
    brokers: [{nodeId: NODE_ID, host: ctx.options.advertisedHost, port: ctx.options.advertisedPort, rack: null}],
    clusterId: ctx.clusterId,
    controllerId: NODE_ID,
    topics,
  }
}

function describeTopic(ctx: ServerContext, name: string, autoCreate: boolean) {
  let topic: Topic | undefined
  try {
    topic = ctx.topics.get(name)
    if (topic === undefined && autoCreate) {
      topic = ctx.topics.getOrCreate(name, ctx.options.defaultPartitions)
      ctx.options.log(`auto-created topic '${name}' (${topic.partitions} partition${topic.partitions === 1 ? '' : 's'})`)
    }
  } catch (error) {
    return {errorCode: kafkaErrorCode(error), name, topicId: ZERO_UUID, partitions: []}
  }
  if (topic === undefined) return {errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: ZERO_UUID, partitions: []}
  const partitions = Array.from({length: topic.partitions}, (_, p) => ({errorCode: ERR.NONE, partitionIndex: p, leaderId: NODE_ID, leaderEpoch: 0, replicaNodes: [NODE_ID], isrNodes: [NODE_ID]}))
  return {errorCode: ERR.NONE, name, topicId: topicIdOf(name), partitions}
}
