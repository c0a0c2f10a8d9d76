/*
  Fetch Request (Version: 4-11) => replica_id INT32 max_wait_ms INT32 min_bytes INT32 max_bytes INT32
      isolation_level INT8 session_id INT32 (v7+) session_epoch INT32 (v7+) [topics]
      [forgotten_topics_data] (v7+) rack_id STRING (v11+)
    topics => topic STRING [partitions]
      partitions => partition INT32 current_leader_epoch INT32 (v9+) fetch_offset INT64
                    log_start_offset INT64 (v5+) partition_max_bytes INT32
    forgotten_topics_data => topic STRING [partitions INT32]

  Fetch Response (Version: 4-11) => throttle_time_ms INT32 error_code INT16 (v7+) session_id INT32 (v7+) [responses]
    responses => topic STRING [partitions]
      partitions => partition_index INT32 error_code INT16 high_watermark INT64 last_stable_offset INT64
                    log_start_offset INT64 (v5+) [aborted_transactions] (nullable) preferred_read_replica INT32 (v11+)
                    records RECORDS
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface FetchPartitionRequest {
  partition: number
  fetchOffset: number
  partitionMaxBytes: number
}

export interface FetchRequest {
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  isolationLevel: number
  sessionId: number
  sessionEpoch: number
  topics: Array<{topic: string; partitions: FetchPartitionRequest[]}>
}

export interface FetchPartitionResponse {
  partitionIndex: number
  errorCode: number
  highWatermark: number
  logStartOffset: number
  /** Whole record batches, as stored; empty (never null) with an error, as Kafka sends it. */
  records: Buffer
}

export interface FetchResponse {
  topics: Array<{topic: string; partitions: FetchPartitionResponse[]}>
}

export function decodeRequest(reader: Reader, version: number): FetchRequest {
  reader.int32() // replica_id: always a consumer (-1) here
  const maxWaitMs = reader.int32()
  const minBytes = reader.int32()
  const maxBytes = reader.int32()
  const isolationLevel = reader.int8()
  const sessionId = version >= 7 ? reader.int32() : 0
  const sessionEpoch = version >= 7 ? reader.int32() : -1
  const topics = reader.array((r) => ({
    topic: r.string(),
    partitions: r.array((pr) => {
      const partition = pr.int32()
      if (version >= 9) pr.int32()
      const fetchOffset = pr.int64()
      if (version >= 5) pr.int64()
      return {partition, fetchOffset, partitionMaxBytes: pr.int32()}
    }),
  }))
  if (version >= 7) reader.array((r) => ({topic: r.string(), partitions: r.int32Array()}))
  if (version >= 11) reader.string()
  return {maxWaitMs, minBytes, maxBytes, isolationLevel, sessionId, sessionEpoch, topics}
}

export function encodeResponse(writer: Writer, version: number, response: FetchResponse): void {
  writer.int32(0)
  if (version >= 7) writer.int16(0).int32(0)
  writer.array(response.topics, (w, t) => {
    w.string(t.topic)
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.partitionIndex).int16(p.errorCode).int64(p.highWatermark).int64(p.highWatermark)
      if (version >= 5) pw.int64(p.logStartOffset)
      pw.array([], () => {})
      if (version >= 11) pw.int32(-1)
      pw.bytes(p.records)
    })
  })
}
