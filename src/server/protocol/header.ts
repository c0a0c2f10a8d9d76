/**
 * Request and response headers.
 *
 *   Request Header v1 => api_key INT16 api_version INT16 correlation_id INT32 client_id NULLABLE_STRING
 *   Request Header v2 => v1 + TAG_BUFFER            (flexible versions; client_id stays a classic string)
 *   Response Header v0 => correlation_id INT32
 *   Response Header v1 => correlation_id INT32 TAG_BUFFER
 *
 * ApiVersions responses always use header v0, whatever the version (KIP-511).
 */
import {API, isFlexible} from './api-keys.js'
import {Reader} from './reader.js'
import {Writer} from './writer.js'

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
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

/** Starts a response frame: size placeholder + header. Finish with `finishFrame`. */
export function startResponse(header: RequestHeader, sizeHint = 256): Writer {
  const writer = new Writer(sizeHint)
  writer.int32(0).int32(header.correlationId)
  if (header.apiKey !== API.ApiVersions && isFlexible(header.apiKey, header.apiVersion)) writer.taggedFields()
  return writer
}

export function finishFrame(writer: Writer): Buffer {
  writer.setInt32(0, writer.length - 4)
  return writer.toBuffer()
}
