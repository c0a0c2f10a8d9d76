/*
  OffsetCommit Request (Version: 0) => group_id STRING [topics]
  OffsetCommit Request (Version: 1) => group_id STRING generation_id INT32 member_id STRING [topics]
  OffsetCommit Request (Version: 2-4) => group_id STRING generation_id INT32 member_id STRING retention_time_ms INT64 [topics]
  OffsetCommit Request (Version: 5-6) => group_id STRING generation_id INT32 member_id STRING [topics]
  OffsetCommit Request (Version: 7) => group_id STRING generation_id INT32 member_id STRING group_instance_id NULLABLE_STRING [topics]
    topics => name STRING [partitions]
      partitions => partition_index INT32 committed_offset INT64 committed_leader_epoch INT32 (v6+)
                    commit_timestamp INT64 (v1 only) committed_metadata NULLABLE_STRING

  OffsetCommit Response (Version: 0-7) => throttle_time_ms INT32 (v3+) [topics]
    topics => name STRING [partitions] ; partitions => partition_index INT32 error_code INT16
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface OffsetCommitRequest {
  groupId: string
  generationId: number
  memberId: string
  topics: Array<{name: string; partitions: Array<{partitionIndex: number; committedOffset: number; committedMetadata: string | null}>}>
}

export interface OffsetCommitResponse {
  topics: Array<{name: string; partitions: Array<{partitionIndex: number; errorCode: number}>}>
}

export function decodeRequest(reader: Reader, version: number): OffsetCommitRequest {
  const groupId = reader.string()
  const generationId = version >= 1 ? reader.int32() : -1
  const memberId = version >= 1 ? reader.string() : ''
  if (version >= 7) reader.nullableString()
  if (version >= 2 && version <= 4) reader.int64()
  const topics = reader.array((r) => ({
    name: r.string(),
    partitions: r.array((pr) => {
      const partitionIndex = pr.int32()
      const committedOffset = pr.int64()
      if (version >= 6) pr.int32()
      if (version === 1) pr.int64()
      return {partitionIndex, committedOffset, committedMetadata: pr.nullableString()}
    }),
  }))
  return {groupId, generationId, memberId, topics}
}

export function encodeResponse(writer: Writer, version: number, response: OffsetCommitResponse): void {
  if (version >= 3) writer.int32(0)
  writer.array(response.topics, (w, t) => {
    w.string(t.name)
    w.array(t.partitions, (pw, p) => pw.int32(p.partitionIndex).int16(p.errorCode))
  })
}
