/*
  JoinGroup Request (Version: 0) => group_id STRING session_timeout_ms INT32 member_id STRING protocol_type STRING [protocols]
  JoinGroup Request (Version: 1-4) => group_id STRING session_timeout_ms INT32 rebalance_timeout_ms INT32 member_id STRING
                                      protocol_type STRING [protocols]
  JoinGroup Request (Version: 5) => ... member_id STRING group_instance_id NULLABLE_STRING protocol_type STRING [protocols]
    protocols => name STRING metadata BYTES

  JoinGroup Response (Version: 0-1) => error_code INT16 generation_id INT32 protocol_name STRING leader STRING
                                       member_id STRING [members]
  JoinGroup Response (Version: 2-4) => throttle_time_ms INT32 + the above
  JoinGroup Response (Version: 5) => ... members => member_id STRING group_instance_id NULLABLE_STRING metadata BYTES
    members (v0-4) => member_id STRING metadata BYTES
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface JoinGroupRequest {
  groupId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string
  protocols: Array<{name: string; metadata: Buffer}>
}

export interface JoinGroupResponse {
  errorCode: number
  generationId: number
  protocolName: string
  leader: string
  memberId: string
  members: Array<{memberId: string; metadata: Buffer}>
}

export function decodeRequest(reader: Reader, version: number): JoinGroupRequest {
  const groupId = reader.string()
  const sessionTimeoutMs = reader.int32()
  const rebalanceTimeoutMs = version >= 1 ? reader.int32() : sessionTimeoutMs
  const memberId = reader.string()
  const groupInstanceId = version >= 5 ? reader.nullableString() : null
  const protocolType = reader.string()
  // Copies: the request buffer is not kept, but the leader gets these bytes back in a later response.
  const protocols = reader.array((r) => ({name: r.string(), metadata: Buffer.from(r.bytes())}))
  return {groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId, protocolType, protocols}
}

export function encodeResponse(writer: Writer, version: number, response: JoinGroupResponse): void {
  if (version >= 2) writer.int32(0)
  writer.int16(response.errorCode).int32(response.generationId).string(response.protocolName).string(response.leader).string(response.memberId)
  writer.array(response.members, (w, m) => {
    w.string(m.memberId)
    if (version >= 5) w.string(null)
    w.bytes(m.metadata)
  })
}
