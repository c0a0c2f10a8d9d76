/**
 * DescribeConfigs for topics: every config strom knows, with Kafka's names, as a topic override
 * (source 1, DYNAMIC_TOPIC_CONFIG) or the default (5, DEFAULT_CONFIG); with includeSynonyms, the
 * entry itself as its one synonym; v3+ with Kafka's type of each config and, on request, its
 * documentation. Broker resources get an empty list (there is no broker configuration).
 */
import {CONFIG_ENTRIES, describeConfig} from '../../core/config.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {Struct} from '../../protocol/schema.js'
import type {ApiHandler} from './types.js'

/** Kafka's ConfigResource.Type. */
export const RESOURCE_TOPIC = 2
export const RESOURCE_BROKER = 4

/** Kafka's ConfigSource for strom's two sources. */
export const CONFIG_SOURCE = {topic: 1, default: 5} as const

/** Kafka's ConfigType (DescribeConfigs v3+) of each config, as Kafka declares it. */
const CONFIG_TYPE = {STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7} as const
const TYPE_OF: Record<string, number> = {
  'segment.bytes': CONFIG_TYPE.INT,
  'segment.ms': CONFIG_TYPE.LONG,
  'retention.ms': CONFIG_TYPE.LONG,
  'retention.bytes': CONFIG_TYPE.LONG,
  'cleanup.policy': CONFIG_TYPE.LIST,
  'max.message.bytes': CONFIG_TYPE.INT,
  'message.timestamp.type': CONFIG_TYPE.STRING,
  'index.interval.bytes': CONFIG_TYPE.INT,
  'min.cleanable.dirty.ratio': CONFIG_TYPE.DOUBLE,
  'delete.retention.ms': CONFIG_TYPE.LONG,
  'retention.hold.groups': CONFIG_TYPE.LIST,
  'compression.type': CONFIG_TYPE.STRING,
}

interface Resource {
  resourceType: number
  resourceName: string
  configurationKeys: string[] | null
}

export const handleDescribeConfigs: ApiHandler = (ctx, _request, req) => {
  const results = (req.resources as Resource[]).map((r): Struct => {
    const base = {resourceType: r.resourceType, resourceName: r.resourceName, configs: []}
    if (r.resourceType === RESOURCE_BROKER) return {...base, errorCode: ERR.NONE, errorMessage: null}
    if (r.resourceType !== RESOURCE_TOPIC) return {...base, errorCode: ERR.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported`}
    try {
      const topic = ctx.topics.get(r.resourceName)
      if (topic === undefined) return {...base, errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic '${r.resourceName}' does not exist`}
      const wanted = r.configurationKeys === null ? undefined : new Set(r.configurationKeys)
      const configs = describeConfig(topic.meta.config)
        .filter((c) => wanted === undefined || wanted.has(c.name))
        .map((c) => {
          const source = CONFIG_SOURCE[c.source]
          return {
            name: c.name,
            value: c.value,
            readOnly: false,
            configSource: source,
            isSensitive: false,
            synonyms: req.includeSynonyms ? [{name: c.name, value: c.value, source}] : [],
            configType: TYPE_OF[c.name] ?? 0,
            documentation: req.includeDocumentation ? CONFIG_ENTRIES[c.name].doc : null,
          }
        })
      return {...base, errorCode: ERR.NONE, errorMessage: null, configs}
    } catch (error) {
      return {...base, errorCode: kafkaErrorCode(error), errorMessage: errorMessage(error)}
    }
  })
  return {throttleTimeMs: 0, results}
}
