/**
 * CreateTopics: partitions and Kafka-named configs go straight to the engine's topic store (which
 * validates both). There is one node, so a replication factor other than 1 (or -1, "broker
 * default") and manual replica assignments are refused, as a one-broker Kafka would.
 * v5+ answers with the topic's partitions, replication factor and configs (what the Java admin
 * client's CreateTopicsResult reports); v7 with its id (derived from the name, topic-ids.ts).
 */
import {describeConfig} from '../../core/config.js'
import type {ServerContext} from '../context.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {Struct} from '../../protocol/schema.js'
import {topicIdOf} from '../topic-ids.js'
import {CONFIG_SOURCE} from './describe-configs.js'
import type {ApiHandler} from './types.js'

interface CreatableTopic {
  name: string
  numPartitions: number
  replicationFactor: number
  assignments: unknown[]
  configs: Array<{name: string; value: string | null}>
}

export const handleCreateTopics: ApiHandler = (ctx, _request, req) => ({
  throttleTimeMs: 0,
  topics: (req.topics as CreatableTopic[]).map((t) => createTopic(ctx, t, req.validateOnly as boolean)),
})

function createTopic(ctx: ServerContext, t: CreatableTopic, validateOnly: boolean): Struct {
  const fail = (errorCode: number, message: string) => ({name: t.name, errorCode, errorMessage: message})
  if (t.replicationFactor !== -1 && t.replicationFactor !== 1) return fail(ERR.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor}: this server is a single node (use 1)`)
  if (t.assignments.length > 0) return fail(ERR.INVALID_REQUEST, 'manual replica assignment is not supported')
  const partitions = t.numPartitions === -1 ? ctx.options.defaultPartitions : t.numPartitions
  if (partitions < 1) return fail(ERR.INVALID_PARTITIONS, `invalid partition count ${t.numPartitions}`)
  const config: Record<string, string> = {}
  for (const c of t.configs) if (c.value !== null) config[c.name] = c.value
  try {
    if (validateOnly) {
      if (ctx.topics.get(t.name) !== undefined) return fail(ERR.TOPIC_ALREADY_EXISTS, `topic '${t.name}' already exists`)
    } else {
      ctx.log.createTopic(t.name, {partitions, config})
      ctx.options.log(`created topic '${t.name}' (${partitions} partitions)`)
    }
    return {
      name: t.name,
      topicId: topicIdOf(t.name),
      errorCode: ERR.NONE,
      errorMessage: null,
      numPartitions: partitions,
      replicationFactor: 1,
      configs: describeConfig(config).map((c) => ({name: c.name, value: c.value, readOnly: false, configSource: CONFIG_SOURCE[c.source], isSensitive: false})),
    }
  } catch (error) {
    return fail(kafkaErrorCode(error), errorMessage(error))
  }
}
