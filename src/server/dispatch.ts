/**
 * One request frame in, one response frame out (or none for acks=0 produce). The header is read
 * first, so a request for an API or version this server does not serve is still answered, by
 * correlation id, with UNSUPPORTED_VERSION; ApiVersions itself answers in v0 format with the
 * supported list, which makes clients retry with a version in range (KIP-511).
 *
 * A ProtocolError (a frame too short for its fields, impossible lengths, not a Kafka header at
 * all) means the byte stream can no longer be trusted: the connection is closed, nothing else.
 *
 * With SASL enabled, a connection that has not authenticated may only ask for ApiVersions and
 * the SASL APIs; any other request closes it (ConnectionRefused), and after a SaslHandshake v0
 * the next frame is a bare token, not a request (auth/sasl-session.ts).
 */
import type {ServerContext} from './context.js'
import {API, MAX_KNOWN_API_KEY, ADVERTISED, isSupported} from './protocol/api-keys.js'
import {ERR} from './protocol/error-codes.js'
import {RequestHeader, decodeRequestHeader, finishFrame, startResponse} from './protocol/header.js'
import {finishFrameParts} from '../protocol/header.js'
import {ApiVersions} from '../protocol/apis/api-versions.js'
import {ProtocolError, Reader} from './protocol/reader.js'
import type {ApiHandler, ConnectionState} from './handlers/types.js'
import {API_BY_KEY} from '../protocol/apis/index.js'
import {decodeFrom, encode} from '../protocol/schema.js'
import {handleApiVersions} from './handlers/api-versions.js'
import {handleMetadata} from './handlers/metadata.js'
import {handleProduce} from './handlers/produce.js'
import {handleFetch} from './handlers/fetch.js'
import {handleListOffsets} from './handlers/list-offsets.js'
import {handleCreateTopics} from './handlers/create-topics.js'
import {handleDeleteTopics} from './handlers/delete-topics.js'
import {handleDescribeConfigs} from './handlers/describe-configs.js'
import {handleInitProducerId} from './handlers/init-producer-id.js'
import {GROUP_HANDLERS} from './handlers/groups.js'
import {handleSaslAuthenticate, handleSaslHandshake} from './handlers/sasl.js'
import {pauseAfterFailedLogin} from './auth/sasl-session.js'
import {printable} from './printable.js'
import {handleCreatePartitions} from './handlers/create-partitions.js'
import {handleAlterConfigs, handleIncrementalAlterConfigs} from './handlers/alter-configs.js'
import {handleDeleteGroups} from './handlers/delete-groups.js'
import {handleDeleteRecords} from './handlers/delete-records.js'
import {handleOffsetDelete} from './handlers/offset-delete.js'
import {handleDescribeCluster} from './handlers/describe-cluster.js'
import {handleAddOffsetsToTxn, handleAddPartitionsToTxn, handleDescribeTransactions, handleEndTxn, handleListTransactions, handleTxnOffsetCommit} from './handlers/transactions.js'

/** The connection must close without an answer; `message` says why, for the log. */
export class ConnectionRefused extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConnectionRefused'
  }
}

/** Every API's handler: decoded request in, response object out (src/protocol/apis). */
const API_HANDLERS = new Map<number, ApiHandler>([
  [API.ApiVersions, handleApiVersions],
  [API.Metadata, handleMetadata],
  [API.Produce, handleProduce],
  [API.Fetch, handleFetch],
  [API.ListOffsets, handleListOffsets],
  [API.InitProducerId, handleInitProducerId],
  ...GROUP_HANDLERS,
  [API.CreateTopics, handleCreateTopics],
  [API.DeleteTopics, handleDeleteTopics],
  [API.DescribeConfigs, handleDescribeConfigs],
  [API.SaslHandshake, handleSaslHandshake],
  [API.SaslAuthenticate, handleSaslAuthenticate],
  [API.CreatePartitions, handleCreatePartitions],
  [API.AlterConfigs, handleAlterConfigs],
  [API.IncrementalAlterConfigs, handleIncrementalAlterConfigs],
  [API.DeleteGroups, handleDeleteGroups],
  [API.DeleteRecords, handleDeleteRecords],
  [API.OffsetDelete, handleOffsetDelete],
  [API.DescribeCluster, handleDescribeCluster],
  [API.AddPartitionsToTxn, handleAddPartitionsToTxn],
  [API.AddOffsetsToTxn, handleAddOffsetsToTxn],
  [API.EndTxn, handleEndTxn],
  [API.TxnOffsetCommit, handleTxnOffsetCommit],
  [API.DescribeTransactions, handleDescribeTransactions],
  [API.ListTransactions, handleListTransactions],
])

/**
 * Returns the response frame (as parts when record bytes were spliced in by reference, see
 * protocol/writer.ts), or undefined when the request gets no response. Throws ProtocolError to
 * close the connection.
 */
export async function dispatch(ctx: ServerContext, frame: Buffer, connection: ConnectionState): Promise<Buffer | Buffer[] | undefined> {
  if (connection.sasl.expectsRawToken) return rawSaslToken(ctx, frame, connection)
  const reader = new Reader(frame)
  const header = decodeRequestHeader(reader)
  if (header.apiKey < 0 || header.apiKey > MAX_KNOWN_API_KEY) throw new ProtocolError(`api key ${header.apiKey} is not a Kafka API`)
  if (!connection.sasl.mayServe(header.apiKey)) throw new ConnectionRefused(`api ${header.apiKey} before SASL authentication (${printable(header.clientId ?? 'no client id')})`)
  if (!isSupported(header.apiKey, header.apiVersion)) return unsupported(ctx, header, connection)
  const request = {header, connection, noResponse: false}
  const handler = API_HANDLERS.get(header.apiKey)
  const schema = API_BY_KEY.get(header.apiKey)
  if (handler === undefined || schema === undefined) return unsupported(ctx, header, connection)
  const body = decodeFrom(schema.request, reader, header.apiVersion)
  const response = await handler(ctx, request, body)
  if (response === undefined || request.noResponse) return undefined
  const parts = finishFrameParts(encode(schema.response, response, header.apiVersion, startResponse(header)))
  return parts.length === 1 ? parts[0] : parts
}

/** The bare PLAIN token after a SaslHandshake v0: success is answered with an empty bare frame, failure closes the connection. */
async function rawSaslToken(ctx: ServerContext, token: Buffer, connection: ConnectionState): Promise<Buffer> {
  const outcome = connection.sasl.authenticate(token, false)
  if (outcome.errorCode !== ERR.NONE) {
    if (outcome.errorCode === ERR.SASL_AUTHENTICATION_FAILED) await pauseAfterFailedLogin()
    throw new ConnectionRefused(outcome.message ?? 'SASL authentication failed')
  }
  ctx.options.log(`connection ${connection.id} from ${connection.clientHost}: authenticated as '${connection.sasl.user}'`)
  return Buffer.alloc(4)
}

function unsupported(ctx: ServerContext, header: RequestHeader, connection: ConnectionState): Buffer {
  ctx.options.log(`connection ${connection.id} (${header.clientId ?? 'no client id'}): api ${header.apiKey} version ${header.apiVersion} is not supported; answered UNSUPPORTED_VERSION`)
  if (header.apiKey === API.ApiVersions) {
    return finishFrame(encode(ApiVersions.response, {errorCode: ERR.UNSUPPORTED_VERSION, apiKeys: ADVERTISED}, 0, startResponse({...header, apiVersion: 0})))
  }
  // The body's shape is unknown for this version; every response starts with its error or
  // throttle field, and clients that sent an unadvertised version report the error code.
  const writer = startResponse({...header, apiVersion: -1})
  writer.int16(ERR.UNSUPPORTED_VERSION)
  return finishFrame(writer)
}
