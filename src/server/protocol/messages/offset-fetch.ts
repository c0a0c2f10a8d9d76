/*
  OffsetFetch Request (Version: 0-1) => group_id STRING [topics]
  OffsetFetch Request (Version: 2-5) => group_id STRING [topics] (nullable: null = every committed partition)
    topics => name STRING [partition_indexes INT32]

  OffsetFetch Response (Version: 0-5) => throttle_time_ms INT32 (v3+) [topics] error_code INT16 (v2+)
    topics => name STRING [partitions]
      partitions => partition_index INT32 committed_offset INT64 committed_leader_epoch INT32 (v5+)
                    metadata NULLABLE_STRING error_code INT16
  committed_offset -1 = nothing committed.
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface OffsetFetchRequest {
  groupId: string
  topics: Array<{name: string; partitionIndexes: number[]}> | null
}

export interface OffsetFetchPartition {
  partitionIndex: number
  committedOffset: number
  metadata: string | null
  errorCode: number
}

export interface OffsetFetchResponse {
  topics: Array<{name: string; partitions: OffsetFetchPartition[]}>
  errorCode: number
}

export function decodeRequest(reader: Reader): OffsetFetchRequest {
  const groupId = reader.string()
  const topics = reader.nullableArray((r) => ({name: r.string(), partitionIndexes: r.int32Array()}))
  return {groupId, topics}
}

export function encodeResponse(writer: Writer, version: number, response: OffsetFetchResponse): void {
  if (version >= 3) writer.int32(0)
  writer.array(response.topics, (w, t) => {
    w.string(t.name)
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partitionIndex).int64(p.committedOffset)
      if (version >= 5) pw.int32(-1)
      pw.string(p.metadata).int16(p.errorCode)
    })
  })
  if (version >= 2) writer.int16(response.errorCode)
}
