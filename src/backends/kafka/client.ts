/**
 * Everything that touches the Kafka client library (kafkajs, pinned at an exact version) on the way
 * in: building the client from a target, keeping its logger quiet, and turning its errors into
 * StromErrors a user can act on.
 *
 * kafkajs has no group-less consumer (kcat -C, `strom consume` without --group): its Consumer needs
 * a groupId. Reading chosen partitions from chosen offsets is done through its Cluster and Broker
 * classes, which the public Consumer is built on. They are not exported, so they come in through a
 * deep require here and nowhere else. The library is frozen (no release since 2.2.4) and pinned
 * exactly, so these internals cannot move under us; test/integration/kafka-backend.test.ts runs
 * every path against a Kafka-protocol server.
 */
import fs from 'node:fs'
import {createRequire} from 'node:module'
import type {Kafka as KafkaClient, KafkaConfig, SASLOptions} from 'kafkajs'
import {StromError} from '../../core/errors.js'
import type {BackendTarget} from '../target.js'
import type {RawRequest} from './raw-request.js'

const require = createRequire(import.meta.url)
const kafkajs = require('kafkajs') as typeof import('kafkajs')

export type KafkaTarget = Extract<BackendTarget, {kind: 'kafka'}>

/** The subset of kafkajs' internal Cluster and Broker that strom's data path uses. */
export interface InternalBroker {
  /** kafkajs' connections to this broker: strom sends its own Produce and Fetch requests on them. */
  connectionPool: {send<T>(request: RawRequest<T>): Promise<T>}
}

export interface InternalMessage {
  offset: string
  timestamp: string
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer | Buffer[] | undefined>
  isControlRecord?: boolean
  magicByte?: number
}

export interface InternalCluster {
  findGroupCoordinator(query: {groupId: string}): Promise<{
    offsetCommit(request: {groupId: string; groupGenerationId: number; memberId: string; topics: Array<{topic: string; partitions: Array<{partition: number; offset: string}>}>}): Promise<unknown>
  }>
  connect(): Promise<void>
  disconnect(): Promise<void>
  addTargetTopic(topic: string): Promise<void>
  addMultipleTargetTopics(topics: string[]): Promise<void>
  refreshMetadata(): Promise<void>
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>
  findBroker(query: {nodeId: string}): Promise<InternalBroker>
}

export function kafkaConfig(target: KafkaTarget, overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  return {
    clientId: target.clientId ?? 'strom',
    brokers: target.brokers,
    ssl: tlsOptions(target),
    sasl: target.sasl === undefined ? undefined : ({mechanism: target.sasl.mechanism, username: target.sasl.username, password: target.sasl.password} as SASLOptions),
    // A command line tool: fail within seconds when the cluster is not there, not after kafkajs'
    // default of five retries with growing backoff.
    connectionTimeout: 3000,
    // A broker that takes a connection and never answers fails in 15 s, not kafkajs' 30.
    requestTimeout: 15000,
    retry: {retries: 3, initialRetryTime: 100, maxRetryTime: 2000},
    logLevel: process.env.STROM_DEBUG_KAFKA ? kafkajs.logLevel.DEBUG : kafkajs.logLevel.NOTHING,
    logCreator: () => (entry) => {
      process.stderr.write(`kafkajs ${entry.namespace}: ${entry.log.message} ${JSON.stringify({...entry.log, message: undefined, timestamp: undefined, logger: undefined})}\n`)
    },
    ...overrides,
  }
}

export function createKafka(target: KafkaTarget, overrides: Partial<KafkaConfig> = {}): KafkaClient {
  // Our partitioner picks every partition itself, so kafkajs' notice about its own default is noise.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1'
  return new kafkajs.Kafka(kafkaConfig(target, overrides))
}

/** kafkajs' internal Cluster, for group-less partition reads (see the note at the top). */
export function createCluster(target: KafkaTarget, options: {maxInFlightRequests?: number} = {}): InternalCluster {
  const Cluster = require('kafkajs/src/cluster') as new (options: Record<string, unknown>) => InternalCluster
  const {createLogger} = require('kafkajs/src/loggers') as {createLogger: (options: {level: number; logCreator: unknown}) => unknown}
  const socketFactory = (require('kafkajs/src/network/socketFactory') as () => unknown)()
  const config = kafkaConfig(target)
  return new Cluster({
    socketFactory,
    logger: createLogger({level: config.logLevel as number, logCreator: config.logCreator}),
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl,
    clientId: config.clientId,
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    enforceRequestTimeout: false,
    retry: config.retry,
    allowAutoTopicCreation: false,
    isolationLevel: 1,
    maxInFlightRequests: options.maxInFlightRequests ?? null,
    offsets: new Map(),
  })
}

function tlsOptions(target: KafkaTarget): KafkaConfig['ssl'] {
  if (target.tls === undefined) return undefined
  if (target.tls === true) return true
  const read = (file: string | undefined, what: string) => {
    if (file === undefined) return undefined
    try {
      return fs.readFileSync(file)
    } catch (error) {
      throw new StromError('INVALID_CONFIG', `cannot read the TLS ${what} ${file}: ${(error as Error).message}`)
    }
  }
  return {ca: read(target.tls.ca, 'CA file'), cert: read(target.tls.cert, 'certificate'), key: read(target.tls.key, 'key'), rejectUnauthorized: target.tls.rejectUnauthorized !== false}
}

/**
 * kafkajs' errors, said the way strom says them. Unknown kinds keep their message; none of them
 * should reach the user as a stack trace.
 */
export function translateKafkaError(error: unknown, where: string, brokers: string[]): unknown {
  if (error instanceof StromError) return error
  const e = error as {name?: string; type?: string; message?: string; cause?: unknown; originalError?: unknown; errors?: unknown[]}
  // kafkajs also throws plain Errors (a broker it lost, say); programming errors (TypeError...) stay as they are.
  if (e?.name === 'Error' && typeof e.message === 'string') {
    const unreachable = /not connected|closed|ECONNRESET|EPIPE|timed out/i.test(e.message)
    return new StromError(unreachable ? 'UNAVAILABLE' : 'IO_ERROR', `${where}: ${unreachable ? `cannot reach kafka://${brokers.join(',')}: ` : ''}${e.message}`, unreachable ? {hint: 'check --bootstrap-server (or the profile) and that the cluster is up and answering'} : {})
  }
  if (typeof e?.name !== 'string' || !e.name.startsWith('KafkaJS')) return error
  // An aggregate (topic creation, for one) says what went wrong in its first error.
  const first = Array.isArray(e.errors) && e.errors.length > 0 ? e.errors[0] : undefined
  const root = (first ?? e.originalError ?? e.cause ?? e) as {name?: string; type?: string; message?: string}
  const message = root.message ?? e.message ?? String(error)
  const type = root.type ?? e.type
  switch (type) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return new StromError('UNKNOWN_TOPIC', `${where}: no such topic or partition on kafka://${brokers.join(',')}`, {hint: 'list topics with `strom topic list`'})
    case 'TOPIC_ALREADY_EXISTS':
      return new StromError('TOPIC_EXISTS', `${where}: the topic already exists`, {hint: 'use --if-not-exists to accept an existing topic'})
    case 'GROUP_ID_NOT_FOUND':
      return new StromError('UNKNOWN_GROUP', `${where}: no such group on kafka://${brokers.join(',')}`, {hint: 'list groups with `strom group list`'})
    case 'NON_EMPTY_GROUP':
      return new StromError('GROUP_NOT_EMPTY', `${where}: the group has live members`, {hint: 'stop its consumers first'})
    case 'INVALID_PARTITIONS':
    case 'INVALID_REPLICATION_FACTOR':
    case 'INVALID_CONFIG':
    case 'INVALID_TOPIC_EXCEPTION':
    case 'POLICY_VIOLATION':
      return new StromError('INVALID_ARGUMENT', `${where}: ${message}`)
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return new StromError('RECORD_TOO_LARGE', `${where}: ${message}`)
    case 'SASL_AUTHENTICATION_FAILED':
    case 'TOPIC_AUTHORIZATION_FAILED':
    case 'GROUP_AUTHORIZATION_FAILED':
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return new StromError('UNAVAILABLE', `${where}: ${message}`, {hint: 'check the SASL user and password (profile "sasl") and the ACLs'})
    default:
      break
  }
  if (e.name === 'KafkaJSSASLAuthenticationError') {
    return new StromError('UNAVAILABLE', `${where}: authentication failed: ${message}`, {hint: 'check the SASL user and password in the profile'})
  }
  if (e.name === 'KafkaJSServerDoesNotSupportApiKey') {
    return new StromError('UNSUPPORTED', `${where}: the server does not support this request (${message})`)
  }
  if (/Connection|NumberOfRetriesExceeded|BrokerNotFound|NoBrokerAvailable|RequestTimeout|Timeout/.test(e.name) || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(message)) {
    return new StromError('UNAVAILABLE', `${where}: cannot reach kafka://${brokers.join(',')}: ${message}`, {hint: 'check --bootstrap-server (or the profile) and that the cluster is up'})
  }
  return new StromError('IO_ERROR', `${where}: ${message}`)
}
