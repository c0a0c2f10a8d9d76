/**
 * CreateTopics: partitions and Kafka-named configs go straight to the engine's topic store (which
 * validates both). There is one node, so a replication factor other than 1 (or -1, "broker
 * default") and manual replica assignments are refused, as a one-broker Kafka would.
 */
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import {decodeRequest, encodeResponse} from '../protocol/messages/create-topics.js'
import type {Handler} from './types.js'

export const handleCreateTopics: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  const topics = req.topics.map((t) => {
    if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
      return {name: t.name, errorCode: ERR.INVALID_REPLICATION_FACTOR, errorMessage: `replication factor ${t.replicationFactor}: this server is a single node (use 1)`}
    }
    if (t.assignments > 0) return {name: t.name, errorCode: ERR.INVALID_REQUEST, errorMessage: 'manual replica assignment is not supported'}
    const partitions = t.numPartitions === -1 ? ctx.options.defaultPartitions : t.numPartitions
    if (partitions < 1) return {name: t.name, errorCode: ERR.INVALID_PARTITIONS, errorMessage: `invalid partition count ${t.numPartitions}`}
    const config: Record<string, string> = {}
    for (const c of t.configs) if (c.value !== null) config[c.name] = c.value
    try {
      if (req.validateOnly) {
        if (ctx.topics.get(t.name) !== undefined) return {name: t.name, errorCode: ERR.TOPIC_ALREADY_EXISTS, errorMessage: `topic '${t.name}' already exists`}
      } else {
        ctx.log.createTopic(t.name, {partitions, config})
        ctx.options.log(`created topic '${t.name}' (${partitions} partitions)`)
      }
      return {name: t.name, errorCode: ERR.NONE, errorMessage: null}
    } catch (error) {
      return {name: t.name, errorCode: kafkaErrorCode(error), errorMessage: errorMessage(error)}
    }
  })
  encodeResponse(writer, version, {topics})
}
