/**
 * Request and response headers.
 *
 *   Request Header v1 => api_key INT16 api_version INT16 correlation_id INT32 client_id NULLABLE_STRING
 *   Request Header v2 => v1 + TAG_BUFFER            (flexible versions; client_id stays a classic string)
 *   Response Header v0 => correlation_id INT32
 *   Response Header v1 => correlation_id INT32 TAG_BUFFER
 *
 * Which one an API uses follows its first flexible version (apis/). ApiVersions responses always use
 * header v0, whatever the version (KIP-511), so a client can read the answer to a version it guessed.
 */
import {API_BY_KEY} from './apis/index.js'
import {Reader} from './reader.js'
import {Writer} from './writer.js'

const API_VERSIONS = 18

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
}

export function isFlexible(apiKey: number, version: number): boolean {
  const schema = API_BY_KEY.get(apiKey)
  return schema !== undefined && version >= schema.flexibleFrom
}

/** Reads the fixed part first, so an unsupported version can still be answered by correlation id. */
export function decodeRequestHeader(reader: Reader): RequestHeader {
  const apiKey = reader.int16()
  const apiVersion = reader.int16()
  const correlationId = reader.int32()
  const clientId = reader.nullableString()
  // A newer ApiVersions than we know is answered without reading its body; tolerate a header without tags.
  if (isFlexible(apiKey, apiVersion) && reader.remaining > 0) reader.taggedFields()
  return {apiKey, apiVersion, correlationId, clientId}
}

export function encodeRequestHeader(writer: Writer, header: RequestHeader): Writer {
  writer.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId).string(header.clientId)
  if (isFlexible(header.apiKey, header.apiVersion)) writer.taggedFields()
  return writer
}

/** Starts a response frame: size placeholder + header. Finish with `finishFrame`. */
export function startResponse(header: RequestHeader, sizeHint = 256): Writer {
  const writer = new Writer(sizeHint)
  writer.int32(0).int32(header.correlationId)
  if (header.apiKey !== API_VERSIONS && isFlexible(header.apiKey, header.apiVersion)) writer.taggedFields()
  return writer
}

/** Reads a response header (client side and tests): the correlation id, and the tags in flexible versions. */
export function decodeResponseHeader(reader: Reader, apiKey: number, apiVersion: number): number {
  const correlationId = reader.int32()
  if (apiKey !== API_VERSIONS && isFlexible(apiKey, apiVersion)) reader.taggedFields()
  return correlationId
}

export function finishFrame(writer: Writer): Buffer {
  writer.setInt32(0, writer.length - 4)
  return writer.toBuffer()
}

/** finishFrame for a socket: the frame as parts (writer.ts), spliced record bytes left uncopied. */
export function finishFrameParts(writer: Writer): Buffer[] {
  writer.setInt32(0, writer.length - 4)
  return writer.toBuffers()
}
