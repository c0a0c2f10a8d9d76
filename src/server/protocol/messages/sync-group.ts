/*
  SyncGroup Request (Version: 0-2) => group_id STRING generation_id INT32 member_id STRING [assignments]
  SyncGroup Request (Version: 3) => group_id STRING generation_id INT32 member_id STRING group_instance_id NULLABLE_STRING [assignments]
    assignments => member_id STRING assignment BYTES

  SyncGroup Response (Version: 0) => error_code INT16 assignment BYTES
  SyncGroup Response (Version: 1-3) => throttle_time_ms INT32 error_code INT16 assignment BYTES
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface SyncGroupRequest {
  groupId: string
  generationId: number
  memberId: string
  assignments: Array<{memberId: string; assignment: Buffer}>
}

export function decodeRequest(reader: Reader, version: number): SyncGroupRequest {
  const groupId = reader.string()
  const generationId = reader.int32()
  const memberId = reader.string()
  if (version >= 3) reader.nullableString()
  const assignments = reader.array((r) => ({memberId: r.string(), assignment: r.bytes()}))
  return {groupId, generationId, memberId, assignments}
}

export function encodeResponse(writer: Writer, version: number, response: {errorCode: number; assignment: Buffer}): void {
  if (version >= 1) writer.int32(0)
  writer.int16(response.errorCode).bytes(response.assignment)
}
