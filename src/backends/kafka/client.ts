/**
 * The way into strom's own Kafka client (src/client) from a backend target: building a cluster
 * view from `--bootstrap-server`/profile settings (TLS files read here, SASL mechanism names
 * mapped to Kafka's), and turning the client's errors into StromErrors a user can act on.
 */
import fs from 'node:fs'
import type tls from 'node:tls'
import {KafkaCluster} from '../../client/cluster.js'
import {KafkaConnectionError, KafkaProtocolError} from '../../client/kafka-error.js'
import type {SaslCredentials} from '../../client/sasl.js'
import {StromError} from '../../core/errors.js'
import type {BackendTarget} from '../target.js'

export type KafkaTarget = Extract<BackendTarget, {kind: 'kafka'}>

const MECHANISMS: Record<NonNullable<KafkaTarget['sasl']>['mechanism'], SaslCredentials['mechanism']> = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
}

export function createCluster(target: KafkaTarget, options: {requestTimeoutMs?: number} = {}): KafkaCluster {
  return new KafkaCluster({
    brokers: target.brokers,
    clientId: target.clientId ?? 'strom',
    tls: tlsOptions(target),
    sasl: target.sasl === undefined ? undefined : {mechanism: MECHANISMS[target.sasl.mechanism], username: target.sasl.username, password: target.sasl.password},
    // A command line tool: fail within seconds when the cluster is not there.
    connectTimeoutMs: 3000,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
  })
}

function tlsOptions(target: KafkaTarget): tls.ConnectionOptions | undefined {
  if (target.tls === undefined) return undefined
  if (target.tls === true) return {}
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
 * The client's errors, said the way strom says them. Programming errors (TypeError...) stay as they
 * are; none of the others should reach the user as a stack trace.
 */
export function translateKafkaError(error: unknown, where: string, brokers: string[]): unknown {
  if (error instanceof StromError) return error
  const cluster = `kafka://${brokers.join(',')}`
  if (error instanceof KafkaConnectionError) {
    return new StromError('UNAVAILABLE', `${where}: cannot reach ${cluster}: ${error.message}`, {hint: 'check --bootstrap-server (or the profile) and that the cluster is up and answering'})
  }
  if (!(error instanceof KafkaProtocolError)) {
    // SCRAM's own checks throw plain Errors naming the problem.
    if (error instanceof Error && /^SCRAM/.test(error.message)) return new StromError('UNAVAILABLE', `${where}: authentication failed: ${error.message}`, {hint: 'check the SASL user and password in the profile'})
    return error
  }
  const message = error.message
  switch (error.type) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
    case 'UNKNOWN_TOPIC_ID':
      return new StromError('UNKNOWN_TOPIC', `${where}: no such topic or partition on ${cluster}`, {hint: 'list topics with `strom topic list`'})
    case 'TOPIC_ALREADY_EXISTS':
      return new StromError('TOPIC_EXISTS', `${where}: the topic already exists`, {hint: 'use --if-not-exists to accept an existing topic'})
    case 'GROUP_ID_NOT_FOUND':
      return new StromError('UNKNOWN_GROUP', `${where}: no such group on ${cluster}`, {hint: 'list groups with `strom group list`'})
    case 'NON_EMPTY_GROUP':
      return new StromError('GROUP_NOT_EMPTY', `${where}: the group has live members`, {hint: 'stop its consumers first'})
    case 'INVALID_PARTITIONS':
    case 'INVALID_REPLICATION_FACTOR':
    case 'INVALID_CONFIG':
    case 'INVALID_TOPIC_EXCEPTION':
    case 'POLICY_VIOLATION':
    case 'INVALID_REQUEST':
      return new StromError('INVALID_ARGUMENT', message)
    case 'INCONSISTENT_GROUP_PROTOCOL':
      return new StromError('INCONSISTENT_GROUP_PROTOCOL', `${message}: the group's other members use a strategy strom was not given`, {hint: 'give the same --strategy as the other members (range or roundrobin)'})
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return new StromError('RECORD_TOO_LARGE', message)
    case 'UNSUPPORTED_VERSION':
    case 'UNSUPPORTED_COMPRESSION_TYPE':
      return new StromError('UNSUPPORTED', `${message}: the server does not support this request`)
    case 'SASL_AUTHENTICATION_FAILED':
    case 'UNSUPPORTED_SASL_MECHANISM':
    case 'ILLEGAL_SASL_STATE':
      return new StromError('UNAVAILABLE', `${where}: authentication failed: ${message}`, {hint: 'check the SASL mechanism, user and password in the profile'})
    case 'TOPIC_AUTHORIZATION_FAILED':
    case 'GROUP_AUTHORIZATION_FAILED':
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return new StromError('UNAVAILABLE', message, {hint: 'check the SASL user and the ACLs'})
    default:
      break
  }
  if (error.retriable) return new StromError('UNAVAILABLE', `${where}: ${message}`, {hint: 'the cluster did not recover in time; check it with `strom topic describe TOPIC --bootstrap-server ...`'})
  return new StromError('IO_ERROR', `${where}: ${message}`)
}
