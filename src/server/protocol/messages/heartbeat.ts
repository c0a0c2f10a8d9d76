/*
  Heartbeat Request (Version: 0-2) => group_id STRING generation_id INT32 member_id STRING
  Heartbeat Request (Version: 3) => group_id STRING generation_id INT32 member_id STRING group_instance_id NULLABLE_STRING

  Heartbeat Response (Version: 0) => error_code INT16
  Heartbeat Response (Version: 1-3) => throttle_time_ms INT32 error_code INT16
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export function decodeRequest(reader: Reader, version: number): {groupId: string; generationId: number; memberId: string} {
  const groupId = reader.string()
  const generationId = reader.int32()
  const memberId = reader.string()
  if (version >= 3) reader.nullableString()
  return {groupId, generationId, memberId}
}

export function encodeResponse(writer: Writer, version: number, response: {errorCode: number}): void {
  if (version >= 1) writer.int32(0)
  writer.int16(response.errorCode)
}
