/*
  SaslHandshake Request (Version: 0-1) => mechanism STRING
  SaslHandshake Response (Version: 0-1) => error_code INT16 [mechanisms STRING]

  v0 and v1 have the same bytes; the version only says how the token follows (see auth/sasl-session.ts).
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export function decodeRequest(reader: Reader): {mechanism: string} {
  return {mechanism: reader.string()}
}

export function encodeResponse(writer: Writer, response: {errorCode: number; mechanisms: readonly string[]}): void {
  writer.int16(response.errorCode).array(response.mechanisms, (w, m) => w.string(m))
}
