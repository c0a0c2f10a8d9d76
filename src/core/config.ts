/**
 * Topic configuration with Kafka's keys. On disk and on the command line the keys are Kafka's
 * dotted names (`retention.ms`); in code they are camelCase fields. This table is the one place
 * that maps between them, holds the defaults and validates values.
 */
import {StromError} from './errors.js'
import {validateName} from './names.js'

export interface TopicConfig {
  segmentBytes: number
  segmentMs: number
  retentionMs: number
  retentionBytes: number
  cleanupPolicy: string
  maxMessageBytes: number
  messageTimestampType: 'CreateTime' | 'LogAppendTime'
  indexIntervalBytes: number
  minCleanableDirtyRatio: number
  deleteRetentionMs: number
  /** Comma-separated consumer groups whose uncommitted data retention keeps ('' = none). */
  retentionHoldGroups: string
  /** Codec of batches a log directory's producers write (see COMPRESSION_TYPES). */
  compressionType: CompressionType
}

/**
 * Kafka's values of compression.type: a codec, `producer` (what the producer chose: uncompressed
 * unless `produce --compression` says) or `uncompressed`, with `none` (the producer's name for it)
 * accepted as the same thing.
 */
export const COMPRESSION_TYPES = ['producer', 'none', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const
export type CompressionType = typeof COMPRESSION_TYPES[number]

type Parser = (raw: string, key: string) => unknown

const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Parser => (raw, key) => {
  const value = Number(raw)
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new StromError('INVALID_CONFIG', `invalid value '${raw}' for ${key}: expected an integer from ${min} to ${max}`)
  }
  return value
}

const oneOf = (choices: string[]): Parser => (raw, key) => {
  if (!choices.includes(raw)) throw new StromError('INVALID_CONFIG', `invalid value '${raw}' for ${key}: expected one of ${choices.join(', ')}`)
  return raw
}

const ratio: Parser = (raw, key) => {
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new StromError('INVALID_CONFIG', `invalid value '${raw}' for ${key}: expected a number from 0 to 1`)
  }
  return value
}

const groupList: Parser = (raw, key) => {
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '')
  for (const name of names) {
    try {
      validateName('group', name)
    } catch (error) {
      throw new StromError('INVALID_CONFIG', `invalid value '${raw}' for ${key}: ${(error as Error).message}`, {hint: 'a comma-separated list of consumer group names, e.g. billing,audit'})
    }
  }
  return names.join(',')
}

interface ConfigEntry {
  field: keyof TopicConfig
  parse: Parser
  doc: string
}

// Segment positions are int32 in the index files, so segments stay below 2 GiB (as in Kafka).
const MAX_SEGMENT_BYTES = 2 ** 31 - 1

export const CONFIG_ENTRIES: Record<string, ConfigEntry> = {
  'segment.bytes': {field: 'segmentBytes', parse: integer(1024, MAX_SEGMENT_BYTES), doc: 'roll a new segment past this size'},
  'segment.ms': {field: 'segmentMs', parse: integer(1), doc: 'roll a new segment when the active one is this old'},
  'retention.ms': {field: 'retentionMs', parse: integer(-1), doc: 'delete segments older than this (-1: keep forever)'},
  'retention.bytes': {field: 'retentionBytes', parse: integer(-1), doc: 'delete old segments past this partition size (-1: no limit)'},
  'cleanup.policy': {field: 'cleanupPolicy', parse: oneOf(['delete', 'compact', 'compact,delete', 'delete,compact']), doc: 'delete or compact old data'},
  'max.message.bytes': {field: 'maxMessageBytes', parse: integer(64, 2 ** 30), doc: 'largest record batch accepted'},
  'message.timestamp.type': {field: 'messageTimestampType', parse: oneOf(['CreateTime', 'LogAppendTime']), doc: "producer's time or append time"},
  'index.interval.bytes': {field: 'indexIntervalBytes', parse: integer(0, 2 ** 30), doc: 'bytes of log between offset index entries'},
  'min.cleanable.dirty.ratio': {field: 'minCleanableDirtyRatio', parse: ratio, doc: 'dirty fraction that triggers compaction'},
  'delete.retention.ms': {field: 'deleteRetentionMs', parse: integer(0), doc: 'how long tombstones survive compaction'},
  'retention.hold.groups': {field: 'retentionHoldGroups', parse: groupList, doc: 'consumer groups whose uncommitted data retention keeps'},
  'compression.type': {field: 'compressionType', parse: oneOf([...COMPRESSION_TYPES]), doc: 'codec of produced batches when produce has no --compression (producer: uncompressed)'},
}

export const DEFAULT_TOPIC_CONFIG: TopicConfig = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: 'CreateTime',
  indexIntervalBytes: 4096,
  minCleanableDirtyRatio: 0.5,
  deleteRetentionMs: 24 * 3600 * 1000,
  retentionHoldGroups: '',
  compressionType: 'producer',
}

/** Kafka-named overrides, as stored in topic.json. */
export type ConfigOverrides = Record<string, string>

export function validateOverrides(overrides: ConfigOverrides): ConfigOverrides {
  for (const [key, raw] of Object.entries(overrides)) {
    const entry = CONFIG_ENTRIES[key]
    if (entry === undefined) {
      throw new StromError('INVALID_CONFIG', `unknown topic config '${key}'`, {
        hint: `known configs: ${Object.keys(CONFIG_ENTRIES).join(', ')}`,
      })
    }
    entry.parse(String(raw), key)
  }
  return overrides
}

export function resolveConfig(overrides: ConfigOverrides): TopicConfig {
  const config: TopicConfig = {...DEFAULT_TOPIC_CONFIG}
  for (const [key, raw] of Object.entries(overrides)) {
    const entry = CONFIG_ENTRIES[key]
    if (entry !== undefined) (config as unknown as Record<string, unknown>)[entry.field] = entry.parse(String(raw), key)
  }
  return config
}

/** Every config key with its effective value and whether it is a topic override. */
export function describeConfig(overrides: ConfigOverrides): Array<{name: string; value: string; source: 'topic' | 'default'}> {
  const config = resolveConfig(overrides)
  return Object.entries(CONFIG_ENTRIES).map(([name, entry]) => ({
    name,
    value: String(config[entry.field]),
    source: name in overrides ? 'topic' : 'default',
  }))
}

/** Parses `k=v` pairs from the command line. */
export function parseConfigPairs(pairs: string[]): ConfigOverrides {
  const overrides: ConfigOverrides = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new StromError('INVALID_CONFIG', `invalid config '${pair}': expected key=value, e.g. retention.ms=86400000`)
    overrides[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim()
  }
  return validateOverrides(overrides)
}
