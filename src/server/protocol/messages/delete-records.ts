/*
  DeleteRecords Request (Version: 0-1) => [topics] timeout_ms INT32
    topics => name STRING [partitions]
      partitions => partition_index INT32 offset INT64      (offset -1: the high watermark)
  DeleteRecords Response (Version: 0-1) => throttle_time_ms INT32 [topics]
    topics => name STRING [partitions]
      partitions => partition_index INT32 low_watermark INT64 error_code INT16

  v1 has v0's bytes; v2+ is flexible.
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface DeleteRecordsRequest {
  topics: Array<{name: string; partitions: Array<{partition: number; offset: number}>}>
  timeoutMs: number
}

export interface DeleteRecordsTopicResult {
  name: string
  partitions: Array<{partition: number; lowWatermark: number; errorCode: number}>
}

export function decodeRequest(reader: Reader): DeleteRecordsRequest {
  const topics = reader.array((r) => ({name: r.string(), partitions: r.array((pr) => ({partition: pr.int32(), offset: pr.int64()}))}))
  return {topics, timeoutMs: reader.int32()}
}

export function encodeResponse(writer: Writer, response: {topics: DeleteRecordsTopicResult[]}): void {
  writer.int32(0)
  writer.array(response.topics, (w, t) => {
    w.string(t.name).array(t.partitions, (pw, p) => pw.int32(p.partition).int64(p.lowWatermark).int16(p.errorCode))
  })
}
