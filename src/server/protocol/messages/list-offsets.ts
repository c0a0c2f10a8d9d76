/*
  ListOffsets Request (Version: 0) => replica_id INT32 [topics]
    topics => name STRING [partitions] ; partitions => partition_index INT32 timestamp INT64 max_num_offsets INT32
  ListOffsets Request (Version: 1) => replica_id INT32 [topics] ; partitions => partition_index INT32 timestamp INT64
  ListOffsets Request (Version: 2) => replica_id INT32 isolation_level INT8 [topics]

  ListOffsets Response (Version: 0) => [topics] ; topics => name STRING [partitions]
    partitions => partition_index INT32 error_code INT16 [old_style_offsets INT64]
  ListOffsets Response (Version: 1) => [topics] ; partitions => partition_index INT32 error_code INT16 timestamp INT64 offset INT64
  ListOffsets Response (Version: 2) => throttle_time_ms INT32 [topics]

  timestamp -1 = latest (the end offset), -2 = earliest (the log start).
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface ListOffsetsRequest {
  topics: Array<{name: string; partitions: Array<{partitionIndex: number; timestamp: number}>}>
}

export interface ListOffsetsPartition {
  partitionIndex: number
  errorCode: number
  timestamp: number
  offset: number
}

export interface ListOffsetsResponse {
  topics: Array<{name: string; partitions: ListOffsetsPartition[]}>
}

export function decodeRequest(reader: Reader, version: number): ListOffsetsRequest {
  reader.int32()
  if (version >= 2) reader.int8()
  const topics = reader.array((r) => ({
    name: r.string(),
    partitions: r.array((pr) => {
      const partitionIndex = pr.int32()
      const timestamp = pr.int64()
      if (version === 0) pr.int32()
      return {partitionIndex, timestamp}
    }),
  }))
  return {topics}
}

export function encodeResponse(writer: Writer, version: number, response: ListOffsetsResponse): void {
  if (version >= 2) writer.int32(0)
  writer.array(response.topics, (w, t) => {
    w.string(t.name)
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partitionIndex).int16(p.errorCode)
      if (version === 0) pw.array(p.offset >= 0 ? [p.offset] : [], (ow, o) => ow.int64(o))
      else pw.int64(p.timestamp).int64(p.offset)
    })
  })
}
