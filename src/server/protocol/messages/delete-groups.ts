/*
  DeleteGroups Request (Version: 0-1) => [groups_names STRING]
  DeleteGroups Response (Version: 0-1) => throttle_time_ms INT32 [results]
    results => group_id STRING error_code INT16

  v1 has v0's bytes; v2+ is flexible.
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export function decodeRequest(reader: Reader): {groupNames: string[]} {
  return {groupNames: reader.array((r) => r.string())}
}

export function encodeResponse(writer: Writer, response: {results: Array<{groupId: string; errorCode: number}>}): void {
  writer.int32(0)
  writer.array(response.results, (w, r) => w.string(r.groupId).int16(r.errorCode))
}
