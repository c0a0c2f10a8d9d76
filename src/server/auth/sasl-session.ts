/**
 * One connection's SASL state. With a users table, a connection must complete SaslHandshake then
 * PLAIN authentication before any other request than ApiVersions. Two framings follow a
 * successful handshake, chosen by its version (KIP-152):
 *
 *   v1: the token arrives in a SaslAuthenticate request (librdkafka, kafkajs, Java);
 *   v0: the next frame is the bare token, `int32 size + bytes` with no Kafka header, answered by
 *       a bare `int32 size + bytes` (kafka-python 2.0.2 works this way).
 *
 * Without a users table there is nothing to authenticate against: SaslHandshake is refused with
 * ILLEGAL_SASL_STATE, as a Kafka PLAINTEXT listener does, and every API is open.
 */
import {API} from '../protocol/api-keys.js'
import {ERR} from '../protocol/error-codes.js'
import {printable} from '../printable.js'
import {authenticatePlain} from './sasl-plain.js'
import type {UserTable} from './users-file.js'

export const MECHANISMS = ['PLAIN']

/**
 * A failed login is answered this late (Kafka's connection.failed.authentication.delay.ms), so a
 * client that reconnects and retries in a loop guesses a few passwords a second, not thousands.
 */
const FAILED_LOGIN_DELAY_MS = 100

export function pauseAfterFailedLogin(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, FAILED_LOGIN_DELAY_MS))
}

type Stage = 'start' | 'authenticate-request' | 'raw-token' | 'done'

const OPEN_BEFORE_AUTHENTICATION: ReadonlySet<number> = new Set([API.ApiVersions, API.SaslHandshake, API.SaslAuthenticate])

export interface SaslOutcome {
  errorCode: number
  /** For the client (SaslAuthenticate's error_message) and the server log. */
  message: string | null
  /** After answering, the connection must close (failed authentication, a protocol violation). */
  close: boolean
}

export class SaslSession {
  private stage: Stage = 'start'
  user: string | undefined

  constructor(private readonly users: UserTable | undefined) {}

  /** A users table was given: connections must authenticate. */
  get enabled(): boolean {
    return this.users !== undefined
  }

  get authenticated(): boolean {
    return this.users === undefined || this.stage === 'done'
  }

  /** True when the next frame is a bare PLAIN token, not a Kafka request. */
  get expectsRawToken(): boolean {
    return this.stage === 'raw-token'
  }

  mayServe(apiKey: number): boolean {
    return this.authenticated || OPEN_BEFORE_AUTHENTICATION.has(apiKey)
  }

  handshake(mechanism: string, version: number): SaslOutcome {
    if (this.users === undefined) return {errorCode: ERR.ILLEGAL_SASL_STATE, message: 'SASL is not enabled on this server (no --sasl-users)', close: true}
    if (this.stage !== 'start') return {errorCode: ERR.ILLEGAL_SASL_STATE, message: `unexpected SaslHandshake (${this.stage === 'done' ? 'already authenticated' : 'handshake already done'})`, close: true}
    if (!MECHANISMS.includes(mechanism)) return {errorCode: ERR.UNSUPPORTED_SASL_MECHANISM, message: `SASL mechanism '${printable(mechanism)}' is not supported (only ${MECHANISMS.join(', ')})`, close: false}
    this.stage = version === 0 ? 'raw-token' : 'authenticate-request'
    return {errorCode: ERR.NONE, message: null, close: false}
  }

  /** A token from SaslAuthenticate (`viaRequest`) or from a bare frame after a v0 handshake. */
  authenticate(token: Buffer, viaRequest: boolean): SaslOutcome {
    const expected: Stage = viaRequest ? 'authenticate-request' : 'raw-token'
    if (this.users === undefined || this.stage !== expected) {
      return {errorCode: ERR.ILLEGAL_SASL_STATE, message: this.stage === 'done' ? 'already authenticated' : 'SaslAuthenticate before a successful SaslHandshake v1', close: true}
    }
    const result = authenticatePlain(this.users, token)
    this.user = result.user
    if (!result.ok) {
      this.stage = 'start'
      return {errorCode: ERR.SASL_AUTHENTICATION_FAILED, message: `Authentication failed: ${result.reason}`, close: true}
    }
    this.stage = 'done'
    return {errorCode: ERR.NONE, message: null, close: false}
  }
}
