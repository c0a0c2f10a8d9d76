/**
 * Metadata: this node is the only broker and the leader of every partition. Topics named in the
 * request are created when missing (Kafka's auto.create.topics.enable), which kafka-python's
 * send() relies on: without it, it waits 60 s for metadata that never comes.
 */
import type {Topic} from '../../core/log.js'
import {NODE_ID, type ServerContext} from '../context.js'
import {ERR, kafkaErrorCode} from '../protocol/error-codes.js'
import {MetadataTopic, decodeRequest, encodeResponse} from '../protocol/messages/metadata.js'
import type {Handler} from './types.js'

export const handleMetadata: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  const names = req.topics ?? ctx.log.listTopics()
  const autoCreate = req.topics !== null && req.allowAutoTopicCreation && ctx.options.autoCreateTopics
  const topics = names.map((name) => describeTopic(ctx, name, autoCreate))
  encodeResponse(writer, version, {
    brokers: [{nodeId: NODE_ID, host: ctx.options.advertisedHost, port: ctx.options.advertisedPort}],
    clusterId: ctx.clusterId,
    controllerId: NODE_ID,
    topics,
  })
}

function describeTopic(ctx: ServerContext, name: string, autoCreate: boolean): MetadataTopic {
  let topic: Topic | undefined
  try {
    topic = ctx.topics.get(name)
    if (topic === undefined && autoCreate) {
      topic = ctx.topics.getOrCreate(name, ctx.options.defaultPartitions)
      ctx.options.log(`auto-created topic '${name}' (${topic.partitions} partition${topic.partitions === 1 ? '' : 's'})`)
    }
  } catch (error) {
    return {errorCode: kafkaErrorCode(error), name, partitions: []}
  }
  if (topic === undefined) return {errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: []}
  const partitions = Array.from({length: topic.partitions}, (_, p) => ({errorCode: ERR.NONE, partitionIndex: p, leaderId: NODE_ID}))
  return {errorCode: ERR.NONE, name, partitions}
}
