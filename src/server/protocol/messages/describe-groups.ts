/*
  DescribeGroups Request (Version: 0-2) => [groups STRING]
  DescribeGroups Request (Version: 3-4) => [groups STRING] include_authorized_operations BOOLEAN

  DescribeGroups Response (Version: 0) => [groups]
  DescribeGroups Response (Version: 1-4) => throttle_time_ms INT32 [groups]
    groups => error_code INT16 group_id STRING group_state STRING protocol_type STRING protocol_data STRING
              [members] authorized_operations INT32 (v3+)
      members => member_id STRING group_instance_id NULLABLE_STRING (v4+) client_id STRING client_host STRING
                 member_metadata BYTES member_assignment BYTES
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface DescribedMember {
  memberId: string
  clientId: string
  clientHost: string
  metadata: Buffer
  assignment: Buffer
}

export interface DescribedGroup {
  errorCode: number
  groupId: string
  groupState: string
  protocolType: string
  protocolData: string
  members: DescribedMember[]
}

export function decodeRequest(reader: Reader, version: number): {groups: string[]} {
  const groups = reader.array((r) => r.string())
  if (version >= 3) reader.bool()
  return {groups}
}

export function encodeResponse(writer: Writer, version: number, response: {groups: DescribedGroup[]}): void {
  if (version >= 1) writer.int32(0)
  writer.array(response.groups, (w, g) => {
    w.int16(g.errorCode).string(g.groupId).string(g.groupState).string(g.protocolType).string(g.protocolData)
    w.array(g.members, (mw, m) => {
      mw.string(m.memberId)
      if (version >= 4) mw.string(null)
      mw.string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment)
    })
    if (version >= 3) w.int32(-2147483648)
  })
}
