import {ERR, kafkaErrorCode} from '../protocol/error-codes.js'
import {decodeRequest, encodeResponse} from '../protocol/messages/delete-topics.js'
import type {Handler} from './types.js'

export const handleDeleteTopics: Handler = (ctx, request, reader, writer) => {
  const req = decodeRequest(reader)
  const responses = req.topicNames.map((name) => {
    try {
      if (ctx.topics.get(name) === undefined) return {name, errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION}
      ctx.topics.forget(name)
      ctx.log.topics.delete(name)
      ctx.options.log(`deleted topic '${name}'`)
      return {name, errorCode: ERR.NONE}
    } catch (error) {
      return {name, errorCode: kafkaErrorCode(error)}
    }
  })
  encodeResponse(writer, request.header.apiVersion, {responses})
}
