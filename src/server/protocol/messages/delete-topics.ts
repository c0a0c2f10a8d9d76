/*
  DeleteTopics Request (Version: 0-3) => [topic_names STRING] timeout_ms INT32
  DeleteTopics Response (Version: 0-3) => throttle_time_ms INT32 (v1+) [responses]
    responses => name STRING error_code INT16
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface DeleteTopicsRequest {
  topicNames: string[]
  timeoutMs: number
}

export interface DeleteTopicsResponse {
  responses: Array<{name: string; errorCode: number}>
}

export function decodeRequest(reader: Reader): DeleteTopicsRequest {
  return {topicNames: reader.array((r) => r.string()), timeoutMs: reader.int32()}
}

export function encodeResponse(writer: Writer, version: number, response: DeleteTopicsResponse): void {
  if (version >= 1) writer.int32(0)
  writer.array(response.responses, (w, t) => w.string(t.name).int16(t.errorCode))
}
