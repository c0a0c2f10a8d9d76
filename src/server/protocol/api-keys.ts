/**
 * The APIs `strom serve` answers and the version ranges it advertises in ApiVersions.
 *
 * Two client traps decide these ranges (storage-protocol.md §5.3): librdkafka 2.0.2 enables
 * features by exact intersections (group APIs must include version 0, Produce 3 and Fetch 4 for the
 * v2 message format), and kafka-python 2.0.2 guesses the broker version from the maxima (Fetch 11 →
 * "2.3", so it writes magic 2 batches) yet still sends Fetch v4, Metadata v1 and ListOffsets v1, so
 * the minima must reach down to those. All versions listed are non-flexible except ApiVersions v3
 * and IncrementalAlterConfigs v1 (both with tagged fields implemented).
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
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
} as const

export type ApiKey = (typeof API)[keyof typeof API]

export interface VersionRange {
  apiKey: number
  minVersion: number
  maxVersion: number
}

export const SUPPORTED: readonly VersionRange[] = [
  {apiKey: API.Produce, minVersion: 3, maxVersion: 7},
  {apiKey: API.Fetch, minVersion: 4, maxVersion: 11},
  {apiKey: API.ListOffsets, minVersion: 0, maxVersion: 2},
  {apiKey: API.Metadata, minVersion: 0, maxVersion: 4},
  {apiKey: API.OffsetCommit, minVersion: 0, maxVersion: 7},
  {apiKey: API.OffsetFetch, minVersion: 0, maxVersion: 5},
  {apiKey: API.FindCoordinator, minVersion: 0, maxVersion: 2},
  {apiKey: API.JoinGroup, minVersion: 0, maxVersion: 5},
  {apiKey: API.Heartbeat, minVersion: 0, maxVersion: 3},
  {apiKey: API.LeaveGroup, minVersion: 0, maxVersion: 1},
  {apiKey: API.SyncGroup, minVersion: 0, maxVersion: 3},
  {apiKey: API.DescribeGroups, minVersion: 0, maxVersion: 4},
  {apiKey: API.ListGroups, minVersion: 0, maxVersion: 2},
  {apiKey: API.SaslHandshake, minVersion: 0, maxVersion: 1},
  {apiKey: API.ApiVersions, minVersion: 0, maxVersion: 3},
  {apiKey: API.CreateTopics, minVersion: 0, maxVersion: 4},
  {apiKey: API.DeleteTopics, minVersion: 0, maxVersion: 3},
  {apiKey: API.DeleteRecords, minVersion: 0, maxVersion: 1},
  {apiKey: API.InitProducerId, minVersion: 0, maxVersion: 1},
  {apiKey: API.DescribeConfigs, minVersion: 0, maxVersion: 2},
  {apiKey: API.AlterConfigs, minVersion: 0, maxVersion: 1},
  {apiKey: API.SaslAuthenticate, minVersion: 0, maxVersion: 1},
  {apiKey: API.CreatePartitions, minVersion: 0, maxVersion: 1},
  {apiKey: API.DeleteGroups, minVersion: 0, maxVersion: 1},
  {apiKey: API.IncrementalAlterConfigs, minVersion: 0, maxVersion: 1},
]

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

/** Request header v2 / response header v1 (tagged fields) are used from these versions on. */
const FLEXIBLE_FROM: Partial<Record<number, number>> = {[API.ApiVersions]: 3, [API.IncrementalAlterConfigs]: 1}

export function isFlexible(apiKey: number, version: number): boolean {
  const from = FLEXIBLE_FROM[apiKey]
  return from !== undefined && version >= from
}

/** Kafka's API keys run from 0 to a few dozen; a header outside this range is not a Kafka request. */
export const MAX_KNOWN_API_KEY = 100
