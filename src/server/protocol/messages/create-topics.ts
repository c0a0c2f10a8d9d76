/*
  CreateTopics Request (Version: 0-4) => [topics] timeout_ms INT32 validate_only BOOLEAN (v1+)
    topics => name STRING num_partitions INT32 replication_factor INT16 [assignments] [configs]
      assignments => partition_index INT32 [broker_ids INT32]
      configs => name STRING value NULLABLE_STRING

  CreateTopics Response (Version: 0-4) => throttle_time_ms INT32 (v2+) [topics]
    topics => name STRING error_code INT16 error_message NULLABLE_STRING (v1+)
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface CreateTopicsRequest {
  topics: Array<{name: string; numPartitions: number; replicationFactor: number; assignments: number; configs: Array<{name: string; value: string | null}>}>
  timeoutMs: number
  validateOnly: boolean
}

export interface CreateTopicsResponse {
  topics: Array<{name: string; errorCode: number; errorMessage: string | null}>
}

export function decodeRequest(reader: Reader, version: number): CreateTopicsRequest {
  const topics = reader.array((r) => ({
    name: r.string(),
    numPartitions: r.int32(),
    replicationFactor: r.int16(),
    assignments: r.array((ar) => ({partitionIndex: ar.int32(), brokerIds: ar.int32Array()})).length,
    configs: r.array((cr) => ({name: cr.string(), value: cr.nullableString()})),
  }))
  const timeoutMs = reader.int32()
  const validateOnly = version >= 1 ? reader.bool() : false
  return {topics, timeoutMs, validateOnly}
}

export function encodeResponse(writer: Writer, version: number, response: CreateTopicsResponse): void {
  if (version >= 2) writer.int32(0)
  writer.array(response.topics, (w, t) => {
    w.string(t.name).int16(t.errorCode)
    if (version >= 1) w.string(t.errorMessage)
  })
}
