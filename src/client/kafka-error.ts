/**
 * Kafka's error codes as a client meets them (clients/src/main/java/org/apache/kafka/common/protocol/Errors.java):
 * the name, and whether the Java client treats the error as retriable (RetriableException), which is
 * what decides here between "refresh metadata and try again" and "tell the user".
 */

/** code → [name, retriable] */
const ERRORS: Record<number, [string, boolean]> = {
  [-1]: ['UNKNOWN_SERVER_ERROR', false],
  1: ['OFFSET_OUT_OF_RANGE', false],
  2: ['CORRUPT_MESSAGE', true],
  3: ['UNKNOWN_TOPIC_OR_PARTITION', true],
  4: ['INVALID_FETCH_SIZE', false],
  5: ['LEADER_NOT_AVAILABLE', true],
  6: ['NOT_LEADER_OR_FOLLOWER', true],
  7: ['REQUEST_TIMED_OUT', true],
  8: ['BROKER_NOT_AVAILABLE', false],
  9: ['REPLICA_NOT_AVAILABLE', true],
  10: ['MESSAGE_TOO_LARGE', false],
  12: ['OFFSET_METADATA_TOO_LARGE', false],
  13: ['NETWORK_EXCEPTION', true],
  14: ['COORDINATOR_LOAD_IN_PROGRESS', true],
  15: ['COORDINATOR_NOT_AVAILABLE', true],
  16: ['NOT_COORDINATOR', true],
  17: ['INVALID_TOPIC_EXCEPTION', false],
  18: ['RECORD_LIST_TOO_LARGE', false],
  19: ['NOT_ENOUGH_REPLICAS', true],
  20: ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', true],
  21: ['INVALID_REQUIRED_ACKS', false],
  22: ['ILLEGAL_GENERATION', false],
  23: ['INCONSISTENT_GROUP_PROTOCOL', false],
  24: ['INVALID_GROUP_ID', false],
  25: ['UNKNOWN_MEMBER_ID', false],
  26: ['INVALID_SESSION_TIMEOUT', false],
  27: ['REBALANCE_IN_PROGRESS', false],
  28: ['INVALID_COMMIT_OFFSET_SIZE', false],
  29: ['TOPIC_AUTHORIZATION_FAILED', false],
  30: ['GROUP_AUTHORIZATION_FAILED', false],
  31: ['CLUSTER_AUTHORIZATION_FAILED', false],
  32: ['INVALID_TIMESTAMP', false],
  33: ['UNSUPPORTED_SASL_MECHANISM', false],
  34: ['ILLEGAL_SASL_STATE', false],
  35: ['UNSUPPORTED_VERSION', false],
  36: ['TOPIC_ALREADY_EXISTS', false],
  37: ['INVALID_PARTITIONS', false],
  38: ['INVALID_REPLICATION_FACTOR', false],
  39: ['INVALID_REPLICA_ASSIGNMENT', false],
  40: ['INVALID_CONFIG', false],
  41: ['NOT_CONTROLLER', true],
  42: ['INVALID_REQUEST', false],
  43: ['UNSUPPORTED_FOR_MESSAGE_FORMAT', false],
  44: ['POLICY_VIOLATION', false],
  45: ['OUT_OF_ORDER_SEQUENCE_NUMBER', false],
  46: ['DUPLICATE_SEQUENCE_NUMBER', false],
  47: ['INVALID_PRODUCER_EPOCH', false],
  48: ['INVALID_TXN_STATE', false],
  49: ['INVALID_PRODUCER_ID_MAPPING', false],
  50: ['INVALID_TRANSACTION_TIMEOUT', false],
  51: ['CONCURRENT_TRANSACTIONS', true],
  53: ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false],
  56: ['KAFKA_STORAGE_ERROR', true],
  57: ['LOG_DIR_NOT_FOUND', false],
  58: ['SASL_AUTHENTICATION_FAILED', false],
  59: ['UNKNOWN_PRODUCER_ID', false],
  60: ['REASSIGNMENT_IN_PROGRESS', false],
  68: ['NON_EMPTY_GROUP', false],
  69: ['GROUP_ID_NOT_FOUND', false],
  72: ['LISTENER_NOT_FOUND', true],
  73: ['TOPIC_DELETION_DISABLED', false],
  74: ['FENCED_LEADER_EPOCH', true],
  75: ['UNKNOWN_LEADER_EPOCH', true],
  76: ['UNSUPPORTED_COMPRESSION_TYPE', false],
  77: ['STALE_BROKER_EPOCH', false],
  78: ['OFFSET_NOT_AVAILABLE', true],
  79: ['MEMBER_ID_REQUIRED', false],
  80: ['PREFERRED_LEADER_NOT_AVAILABLE', true],
  81: ['GROUP_MAX_SIZE_REACHED', false],
  82: ['FENCED_INSTANCE_ID', false],
  83: ['ELIGIBLE_LEADERS_NOT_AVAILABLE', true],
  84: ['ELECTION_NOT_NEEDED', false],
  85: ['NO_REASSIGNMENT_IN_PROGRESS', false],
  86: ['GROUP_SUBSCRIBED_TO_TOPIC', false],
  87: ['INVALID_RECORD', false],
  88: ['UNSTABLE_OFFSET_COMMIT', true],
  89: ['THROTTLING_QUOTA_EXCEEDED', true],
  90: ['PRODUCER_FENCED', false],
  100: ['UNKNOWN_TOPIC_ID', true],
  103: ['INCONSISTENT_TOPIC_ID', true],
  110: ['FENCED_MEMBER_EPOCH', false],
  115: ['UNSUPPORTED_ENDPOINT_TYPE', false],
}

export function kafkaErrorName(code: number): string {
  return ERRORS[code]?.[0] ?? `error code ${code}`
}

/** An error code a broker answered with. */
export class KafkaProtocolError extends Error {
  readonly type: string
  readonly retriable: boolean

  constructor(readonly code: number, readonly where: string, serverMessage?: string | null) {
    const name = kafkaErrorName(code)
    super(`${where}: ${name}${serverMessage ? ` (${serverMessage})` : ''}`)
    this.name = 'KafkaProtocolError'
    this.type = name
    this.retriable = ERRORS[code]?.[1] ?? false
  }
}

/** The connection failed, closed, or a request timed out: worth a retry on a fresh connection. */
export class KafkaConnectionError extends Error {
  readonly retriable = true
  readonly type = 'NETWORK_EXCEPTION'

  constructor(message: string, readonly broker: string) {
    super(message)
    this.name = 'KafkaConnectionError'
  }
}

/** Throws a KafkaProtocolError unless `code` is 0. */
export function check(code: number, where: string, message?: string | null): void {
  if (code !== 0) throw new KafkaProtocolError(code, where, message)
}

/** Retriable errors (a moved leader, a loading coordinator, a lost connection): refresh and try again. */
export function isRetriable(error: unknown): boolean {
  return (error instanceof KafkaProtocolError || error instanceof KafkaConnectionError) && error.retriable
}

/** The errors a group member answers by joining the group again. */
export function needsRejoin(error: unknown): boolean {
  return error instanceof KafkaProtocolError && (error.type === 'REBALANCE_IN_PROGRESS' || error.type === 'ILLEGAL_GENERATION' || error.type === 'UNKNOWN_MEMBER_ID')
}

/** The coordinator moved or is not ready: look it up again. */
export function coordinatorMoved(error: unknown): boolean {
  return error instanceof KafkaProtocolError && (error.type === 'NOT_COORDINATOR' || error.type === 'COORDINATOR_NOT_AVAILABLE' || error.type === 'COORDINATOR_LOAD_IN_PROGRESS')
}

/**
 * Repeats `attempt` while it fails with a retriable error, until `deadlineMs` from now; between
 * tries it waits (growing from 100 ms to 1 s) and runs `recover` (a metadata refresh, a coordinator
 * lookup). Everything in the client that must live through a failover goes through here.
 */
export async function retrying<T>(attempt: () => Promise<T>, options: {deadlineMs: number; recover?: (error: unknown) => Promise<void>; retriable?: (error: unknown) => boolean; stopped?: () => boolean}): Promise<T> {
  const deadline = Date.now() + options.deadlineMs
  const retriable = options.retriable ?? isRetriable
  for (let round = 0; ; round++) {
    try {
      return await attempt()
    } catch (error) {
      if (!retriable(error) || Date.now() >= deadline || options.stopped?.() === true) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * (round + 1))))
      await options.recover?.(error).catch(() => undefined)
    }
  }
}
