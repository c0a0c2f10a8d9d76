/** SaslHandshake and SaslAuthenticate: the Kafka side of auth/sasl-session.ts. */
import {MECHANISMS, pauseAfterFailedLogin} from '../auth/sasl-session.js'
import {ERR} from '../protocol/error-codes.js'
import {decodeRequest as decodeHandshake, encodeResponse as encodeHandshake} from '../protocol/messages/sasl-handshake.js'
import {decodeRequest as decodeAuthenticate, encodeResponse as encodeAuthenticate} from '../protocol/messages/sasl-authenticate.js'
import type {Handler} from './types.js'

export const handleSaslHandshake: Handler = (_ctx, request, reader, writer) => {
  const {mechanism} = decodeHandshake(reader)
  const outcome = request.connection.sasl.handshake(mechanism, request.header.apiVersion)
  encodeHandshake(writer, {errorCode: outcome.errorCode, mechanisms: request.connection.sasl.enabled ? MECHANISMS : []})
  if (outcome.message !== null && outcome.close) request.connection.closeAfterResponse = outcome.message
}

export const handleSaslAuthenticate: Handler = async (ctx, request, reader, writer) => {
  const {authBytes} = decodeAuthenticate(reader)
  const outcome = request.connection.sasl.authenticate(authBytes, true)
  if (outcome.errorCode === ERR.SASL_AUTHENTICATION_FAILED) await pauseAfterFailedLogin()
  encodeAuthenticate(writer, request.header.apiVersion, {errorCode: outcome.errorCode, errorMessage: outcome.message})
  if (outcome.close) request.connection.closeAfterResponse = outcome.message ?? 'SASL authentication failed'
  else ctx.options.log(`connection ${request.connection.id} from ${request.connection.clientHost}: authenticated as '${request.connection.sasl.user}'`)
}
