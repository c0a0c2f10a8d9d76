/*
  LeaveGroup Request (Version: 0-1) => group_id STRING member_id STRING
  LeaveGroup Response (Version: 0) => error_code INT16
  LeaveGroup Response (Version: 1) => throttle_time_ms INT32 error_code INT16
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export function decodeRequest(reader: Reader): {groupId: string; memberId: string} {
  return {groupId: reader.string(), memberId: reader.string()}
}

export function encodeResponse(writer: Writer, version: number, response: {errorCode: number}): void {
  if (version >= 1) writer.int32(0)
  writer.int16(response.errorCode)
}
