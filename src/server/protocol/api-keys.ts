import {API_BY_KEY} from '../../protocol/apis/index.js'

/**
 * The APIs `strom serve` answers and the version ranges it advertises in ApiVersions.
 *
 * Two client traps decide these ranges (docs/serve.md, "Two client traps"): librdkafka 2.0.2 enables
 * features by exact intersections (group APIs must include version 0, Produce 3 and Fetch 4 for the
 * v2 message format), and kafka-python 2.0.2 guesses the broker version from the maxima (Fetch 11 →
 * "2.3", so it writes magic 2 batches) yet still sends Fetch v4, Metadata v1 and ListOffsets v1, so
 * the minima must reach down to those; newer clients (@platformatic/kafka) need the flexible versions
 * (Metadata v9+, Fetch v12+ ...), which the declarations in src/protocol/apis provide.
 */
export const API = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  OffsetDelete: 47,
  DescribeCluster: 60,
  DescribeTransactions: 65,
  ListTransactions: 66,
} as const

export type ApiKey = (typeof API)[keyof typeof API]

export interface VersionRange {
  apiKey: number
  minVersion: number
  maxVersion: number
}

/** Every API is answered from its declaration (src/protocol/apis): the versions served are the declared ones. */
export const SUPPORTED: readonly VersionRange[] = Object.values(API).map((apiKey) => {
  const schema = API_BY_KEY.get(apiKey)
  if (schema === undefined) throw new Error(`API ${apiKey} has no declaration in src/protocol/apis`)
  return {apiKey, minVersion: schema.minVersion, maxVersion: schema.maxVersion}
})

/**
 * What ApiVersions advertises: SUPPORTED, but Produce from version 0, as Kafka 4.0 does while it
 * refuses Produce v0-2 (KIP-896). librdkafka before 2.11.1 compresses with gzip, snappy and lz4
 * only when the broker lists Produce v0 (it reads that as "supports the old message formats");
 * without it, it silently sends those batches uncompressed. Requests for v0-2 are still answered
 * UNSUPPORTED_VERSION (isSupported goes by SUPPORTED), and no client picks them: they take the
 * highest version both sides list.
 */
export const ADVERTISED: readonly VersionRange[] = SUPPORTED.map((range) => (range.apiKey === API.Produce ? {...range, minVersion: 0} : range))

const BY_KEY = new Map(SUPPORTED.map((range) => [range.apiKey, range]))

export function isSupported(apiKey: number, version: number): boolean {
  const range = BY_KEY.get(apiKey)
  return range !== undefined && version >= range.minVersion && version <= range.maxVersion
}

/** Kafka's API keys run from 0 to a few dozen; a header outside this range is not a Kafka request. */
export const MAX_KNOWN_API_KEY = 100
