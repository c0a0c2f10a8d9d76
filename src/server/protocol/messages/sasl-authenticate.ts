/*
  SaslAuthenticate Request (Version: 0-1) => auth_bytes BYTES
  SaslAuthenticate Response (Version: 0) => error_code INT16 error_message NULLABLE_STRING auth_bytes BYTES
  SaslAuthenticate Response (Version: 1) => v0 + session_lifetime_ms INT64   (0: no re-authentication)
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export function decodeRequest(reader: Reader): {authBytes: Buffer} {
  return {authBytes: reader.bytes()}
}

export function encodeResponse(writer: Writer, version: number, response: {errorCode: number; errorMessage: string | null}): void {
  writer.int16(response.errorCode).string(response.errorMessage).bytes(Buffer.alloc(0))
  if (version >= 1) writer.int64(0)
}
