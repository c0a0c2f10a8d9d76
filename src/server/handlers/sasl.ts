/** SaslHandshake and SaslAuthenticate: the Kafka side of auth/sasl-session.ts. */
import {MECHANISMS, pauseAfterFailedLogin} from '../auth/sasl-session.js'
import {ERR} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

export const handleSaslHandshake: ApiHandler = (_ctx, request, req) => {
  const outcome = request.connection.sasl.handshake(req.mechanism as string, request.header.apiVersion)
  if (outcome.message !== null && outcome.close) request.connection.closeAfterResponse = outcome.message
  return {errorCode: outcome.errorCode, mechanisms: request.connection.sasl.enabled ? MECHANISMS : []}
}

export const handleSaslAuthenticate: ApiHandler = async (ctx, request, req) => {
  const outcome = request.connection.sasl.authenticate(req.authBytes as Buffer, true)
  if (outcome.errorCode === ERR.SASL_AUTHENTICATION_FAILED) await pauseAfterFailedLogin()
  if (outcome.close) request.connection.closeAfterResponse = outcome.message ?? 'SASL authentication failed'
  else ctx.options.log(`connection ${request.connection.id} from ${request.connection.clientHost}: authenticated as '${request.connection.sasl.user}'`)
  // sessionLifetimeMs 0: no re-authentication (KIP-368) is asked of the client.
  return {errorCode: outcome.errorCode, errorMessage: outcome.message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0}
}
