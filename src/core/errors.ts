/**
 * Operating errors of the log engine. Every error a user can cause or meet (bad name, unknown
 * topic, corrupt data, lock trouble) is a StromError with a stable code and, where possible, a hint
 * saying how to fix it. Programmer errors are plain assertions and are allowed to crash.
 */
export const ERROR_CODES = [
  'INVALID_NAME',
  'INVALID_CONFIG',
  'INVALID_OFFSET',
  'INVALID_ARGUMENT',
  'INVALID_INPUT',
  'UNKNOWN_TOPIC',
  'UNKNOWN_PARTITION',
  'UNKNOWN_GROUP',
  'NO_LOG_DIR',
  'GROUP_NOT_EMPTY',
  'INCONSISTENT_GROUP_PROTOCOL',
  'FENCED',
  'TOPIC_EXISTS',
  'RECORD_TOO_LARGE',
  'CORRUPT_SEGMENT',
  'CORRUPT_GROUP_FILE',
  'FORMAT_VERSION',
  'LOCK_TIMEOUT',
  'BUSY',
  'IO_ERROR',
  'UNAVAILABLE',
  'UNSUPPORTED',
  'PRODUCER_FENCED',
  'INVALID_TXN_STATE',
  'TRANSACTION_TIMED_OUT',
  'TRANSACTION_ABORTED',
  'CORRUPT_TRANSACTION_STATE',
] as const

export type StromErrorCode = (typeof ERROR_CODES)[number]

export type StromErrorKind = 'usage' | 'not-found' | 'runtime'

const KIND_BY_CODE: Record<StromErrorCode, StromErrorKind> = {
  INVALID_NAME: 'usage',
  INVALID_CONFIG: 'usage',
  INVALID_OFFSET: 'usage',
  INVALID_ARGUMENT: 'usage',
  INVALID_INPUT: 'runtime',
  UNKNOWN_TOPIC: 'not-found',
  UNKNOWN_PARTITION: 'not-found',
  UNKNOWN_GROUP: 'not-found',
  NO_LOG_DIR: 'not-found',
  GROUP_NOT_EMPTY: 'runtime',
  INCONSISTENT_GROUP_PROTOCOL: 'usage',
  FENCED: 'runtime',
  TOPIC_EXISTS: 'runtime',
  RECORD_TOO_LARGE: 'runtime',
  CORRUPT_SEGMENT: 'runtime',
  CORRUPT_GROUP_FILE: 'runtime',
  FORMAT_VERSION: 'runtime',
  LOCK_TIMEOUT: 'runtime',
  BUSY: 'runtime',
  IO_ERROR: 'runtime',
  UNAVAILABLE: 'runtime',
  UNSUPPORTED: 'usage',
  PRODUCER_FENCED: 'runtime',
  INVALID_TXN_STATE: 'usage',
  TRANSACTION_TIMED_OUT: 'runtime',
  TRANSACTION_ABORTED: 'runtime',
  CORRUPT_TRANSACTION_STATE: 'runtime',
}

export class StromError extends Error {
  readonly code: StromErrorCode
  readonly hint?: string
  readonly details?: Record<string, unknown>

  constructor(code: StromErrorCode, message: string, options: {hint?: string; details?: Record<string, unknown>; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'StromError'
    this.code = code
    this.hint = options.hint
    this.details = options.details
  }

  /** usage → bad input on the command line; not-found → a named thing is missing; runtime → everything else. */
  get kind(): StromErrorKind {
    return KIND_BY_CODE[this.code]
  }
}

export function isStromError(error: unknown): error is StromError {
  return error instanceof StromError
}
