/*
  CreatePartitions Request (Version: 0-1) => [topics] timeout_ms INT32 validate_only BOOLEAN
    topics => name STRING count INT32 [assignments] (nullable)
      assignments => [broker_ids INT32]
  CreatePartitions Response (Version: 0-1) => throttle_time_ms INT32 [results]
    results => name STRING error_code INT16 error_message NULLABLE_STRING

  v1 has v0's bytes (it only changed how brokers report throttling). v2+ is flexible.
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface CreatePartitionsRequest {
  topics: Array<{name: string; count: number; assignments: number[][] | null}>
  timeoutMs: number
  validateOnly: boolean
}

export interface CreatePartitionsResult {
  name: string
  errorCode: number
  errorMessage: string | null
}

export function decodeRequest(reader: Reader): CreatePartitionsRequest {
  const topics = reader.array((r) => ({name: r.string(), count: r.int32(), assignments: r.nullableArray((ar) => ar.int32Array())}))
  return {topics, timeoutMs: reader.int32(), validateOnly: reader.bool()}
}

export function encodeResponse(writer: Writer, response: {results: CreatePartitionsResult[]}): void {
  writer.int32(0)
  writer.array(response.results, (w, r) => w.string(r.name).int16(r.errorCode).string(r.errorMessage))
}
