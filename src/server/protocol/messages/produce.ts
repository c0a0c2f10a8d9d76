/*
  Produce Request (Version: 3-7) => transactional_id NULLABLE_STRING acks INT16 timeout_ms INT32 [topic_data]
    topic_data => name STRING [partition_data]
      partition_data => index INT32 records RECORDS (NULLABLE_BYTES of RecordBatch v2)

  Produce Response (Version: 3-7) => [responses] throttle_time_ms INT32
    responses => name STRING [partition_responses]
      partition_responses => index INT32 error_code INT16 base_offset INT64 log_append_time_ms INT64
                             log_start_offset INT64 (v5+)
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface ProduceRequest {
  transactionalId: string | null
  acks: number
  timeoutMs: number
  topics: Array<{name: string; partitions: Array<{index: number; records: Buffer | null}>}>
}

export interface ProducePartitionResponse {
  index: number
  errorCode: number
  baseOffset: number
  logAppendTimeMs: number
  logStartOffset: number
}

export interface ProduceResponse {
  topics: Array<{name: string; partitions: ProducePartitionResponse[]}>
}

export function decodeRequest(reader: Reader): ProduceRequest {
  const transactionalId = reader.nullableString()
  const acks = reader.int16()
  const timeoutMs = reader.int32()
  const topics = reader.array((r) => ({
    name: r.string(),
    partitions: r.array((pr) => ({index: pr.int32(), records: pr.nullableBytes()})),
  }))
  return {transactionalId, acks, timeoutMs, topics}
}

export function encodeResponse(writer: Writer, version: number, response: ProduceResponse): void {
  writer.array(response.topics, (w, t) => {
    w.string(t.name)
    w.array(t.partitions, (pw, p) => {
      pw.int32(p.index).int16(p.errorCode).int64(p.baseOffset).int64(p.logAppendTimeMs)
      if (version >= 5) pw.int64(p.logStartOffset)
    })
  })
  writer.int32(0)
}
