/**
 * DeleteTopics: by name, or (v6) by topic id, which strom derives from the name (topic-ids.ts).
 * v6 answers each topic with both its name and its id, as Kafka does.
 */
import type {ServerContext} from '../context.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import {ZERO_UUID, type Struct} from '../../protocol/schema.js'
import {topicIdOf, topicNameOf} from '../topic-ids.js'
import type {ApiHandler} from './types.js'

export const handleDeleteTopics: ApiHandler = (ctx, request, req) => {
  const wanted: Array<{name: string | null; topicId: string}> =
    request.header.apiVersion >= 6 ? req.topics : (req.topicNames as string[]).map((name) => ({name, topicId: ZERO_UUID}))
  return {throttleTimeMs: 0, responses: wanted.map((t) => deleteTopic(ctx, t.name, t.topicId))}
}

function deleteTopic(ctx: ServerContext, givenName: string | null, topicId: string): Struct {
  const byId = givenName === null || givenName === ''
  if (byId && topicId === ZERO_UUID) return {name: null, topicId, errorCode: ERR.INVALID_REQUEST, errorMessage: 'neither a topic name nor a topic id'}
  const name = byId ? topicNameOf(ctx, topicId) : givenName
  if (name === undefined) return {name: null, topicId, errorCode: ERR.UNKNOWN_TOPIC_ID, errorMessage: `no topic has id ${topicId}`}
  const answer = {name, topicId: topicIdOf(name)}
  try {
    if (ctx.topics.get(name) === undefined) return {name, topicId: ZERO_UUID, errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic '${name}' does not exist`}
    ctx.topics.forget(name)
    ctx.log.topics.delete(name)
    ctx.options.log(`deleted topic '${name}'`)
    return {...answer, errorCode: ERR.NONE, errorMessage: null}
  } catch (error) {
    return {...answer, errorCode: kafkaErrorCode(error), errorMessage: errorMessage(error)}
  }
}
