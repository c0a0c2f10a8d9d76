/**
 * AlterConfigs and IncrementalAlterConfigs on topics, as `strom topic alter --config` /
 * `--delete-config` do (TopicStore.updateConfig reads, validates and writes topic.json under the
 * topic lock).
 * Names and values are strom's own (Kafka's names); a key strom does not know is INVALID_CONFIG.
 * Broker resources have nothing to change: there is no broker configuration.
 */
import {CONFIG_ENTRIES, ConfigOverrides, describeConfig, validateOverrides} from '../../core/config.js'
import {StromError} from '../../core/errors.js'
import type {ServerContext} from '../context.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {Struct} from '../../protocol/schema.js'
import {RESOURCE_BROKER, RESOURCE_TOPIC} from './describe-configs.js'
import type {ApiHandler} from './types.js'

/** IncrementalAlterConfigs' configOperation. */
export const CONFIG_OPERATION = {SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3} as const

interface ConfigChange {
  name: string
  /** Absent in AlterConfigs, where every change is a SET and a null value means "no override". */
  configOperation?: number
  value: string | null
}

interface Resource {
  resourceType: number
  resourceName: string
  configs: ConfigChange[]
}

/** Configs whose value is a comma-separated list, the only ones APPEND and SUBTRACT apply to. */
const LIST_CONFIGS = new Set(['cleanup.policy', 'retention.hold.groups'])

export const handleAlterConfigs: ApiHandler = (ctx, _request, req) => ({throttleTimeMs: 0, responses: alterAll(ctx, req, false)})

export const handleIncrementalAlterConfigs: ApiHandler = (ctx, _request, req) => ({throttleTimeMs: 0, responses: alterAll(ctx, req, true)})

function alterAll(ctx: ServerContext, req: Struct, incremental: boolean): Struct[] {
  return (req.resources as Resource[]).map((r) => {
    const base = {resourceType: r.resourceType, resourceName: r.resourceName}
    if (r.resourceType === RESOURCE_BROKER) return {...base, errorCode: ERR.INVALID_REQUEST, errorMessage: 'strom serve has no broker configs to change (topic configs only)'}
    if (r.resourceType !== RESOURCE_TOPIC) return {...base, errorCode: ERR.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported (topic configs only)`}
    try {
      const topic = ctx.topics.get(r.resourceName)
      if (topic === undefined) return {...base, errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic '${r.resourceName}' does not exist`}
      const next = (current: ConfigOverrides) => (incremental ? applyOperations(current, r.configs) : replacement(r.configs))
      if (req.validateOnly) validateOverrides(next(topic.meta.config))
      else {
        // Computed from the configs as they are under the topic lock, not from this server's copy.
        const meta = ctx.log.topics.updateConfig(r.resourceName, next)
        ctx.options.log(`topic '${r.resourceName}': configs now ${JSON.stringify(meta.config)}`)
      }
      return {...base, errorCode: ERR.NONE, errorMessage: null}
    } catch (error) {
      return {...base, errorCode: kafkaErrorCode(error), errorMessage: errorMessage(error)}
    }
  })
}

/** AlterConfigs: the request is the whole new set; a null value means no override. */
function replacement(configs: ConfigChange[]): ConfigOverrides {
  const next: ConfigOverrides = {}
  for (const c of configs) if (c.value !== null && c.value !== '') next[c.name] = c.value
  return next
}

function applyOperations(current: ConfigOverrides, configs: ConfigChange[]): ConfigOverrides {
  const next: ConfigOverrides = {...current}
  const effective = new Map(describeConfig(current).map((c) => [c.name, c.value]))
  for (const c of configs) {
    // The engine's own 'unknown topic config' error, with its list of known keys.
    if (CONFIG_ENTRIES[c.name] === undefined) validateOverrides({[c.name]: ''})
    switch (c.configOperation) {
      case CONFIG_OPERATION.SET:
        if (c.value === null) throw new StromError('INVALID_CONFIG', `SET '${c.name}' needs a value`)
        next[c.name] = c.value
        break
      case CONFIG_OPERATION.DELETE:
        delete next[c.name]
        break
      case CONFIG_OPERATION.APPEND:
      case CONFIG_OPERATION.SUBTRACT: {
        if (!LIST_CONFIGS.has(c.name)) throw new StromError('INVALID_CONFIG', `'${c.name}' is not a list config: APPEND and SUBTRACT apply only to ${[...LIST_CONFIGS].join(', ')}`)
        const items = (next[c.name] ?? effective.get(c.name) ?? '').split(',').filter((item) => item !== '')
        const given = (c.value ?? '').split(',').filter((item) => item !== '')
        const result = c.configOperation === CONFIG_OPERATION.APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((item) => !given.includes(item))
        if (result.length === 0) delete next[c.name]
        else next[c.name] = result.join(',')
        break
      }
      default:
        throw new StromError('INVALID_CONFIG', `unknown config operation ${c.configOperation} for '${c.name}' (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`)
    }
  }
  return next
}
