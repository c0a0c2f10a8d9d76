/**
 * DescribeConfigs for topics: every config strom knows, with Kafka's names, marked default or
 * topic override. Broker resources get an empty list (there is no broker configuration).
 */
import {describeConfig} from '../../core/config.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import {DescribeConfigsResult, RESOURCE_BROKER, RESOURCE_TOPIC, decodeRequest, encodeResponse} from '../protocol/messages/describe-configs.js'
import type {Handler} from './types.js'

export const handleDescribeConfigs: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  const results = req.resources.map((r): DescribeConfigsResult => {
    const base = {resourceType: r.resourceType, resourceName: r.resourceName}
    if (r.resourceType === RESOURCE_BROKER) return {...base, errorCode: ERR.NONE, errorMessage: null, configs: []}
    if (r.resourceType !== RESOURCE_TOPIC) return {...base, errorCode: ERR.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported`, configs: []}
    try {
      const topic = ctx.topics.get(r.resourceName)
      if (topic === undefined) return {...base, errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic '${r.resourceName}' does not exist`, configs: []}
      const wanted = r.configurationKeys === null ? undefined : new Set(r.configurationKeys)
      const configs = describeConfig(topic.meta.config)
        .filter((c) => wanted === undefined || wanted.has(c.name))
        .map((c) => ({name: c.name, value: c.value, isDefault: c.source === 'default'}))
      return {...base, errorCode: ERR.NONE, errorMessage: null, configs}
    } catch (error) {
      return {...base, errorCode: kafkaErrorCode(error), errorMessage: errorMessage(error), configs: []}
    }
  })
  encodeResponse(writer, version, {results})
}
