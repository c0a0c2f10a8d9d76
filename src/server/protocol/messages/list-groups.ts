/*
  ListGroups Request (Version: 0-2) => (empty)
  ListGroups Response (Version: 0) => error_code INT16 [groups]
  ListGroups Response (Version: 1-2) => throttle_time_ms INT32 error_code INT16 [groups]
    groups => group_id STRING protocol_type STRING
*/
import {Writer} from '../writer.js'

export function encodeResponse(writer: Writer, version: number, response: {errorCode: number; groups: Array<{groupId: string; protocolType: string}>}): void {
  if (version >= 1) writer.int32(0)
  writer.int16(response.errorCode)
  writer.array(response.groups, (w, g) => w.string(g.groupId).string(g.protocolType))
}
