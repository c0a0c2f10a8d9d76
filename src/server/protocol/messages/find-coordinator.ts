/*
  FindCoordinator Request (Version: 0) => key STRING
  FindCoordinator Request (Version: 1-2) => key STRING key_type INT8   (0 = group, 1 = transaction)

  FindCoordinator Response (Version: 0) => error_code INT16 node_id INT32 host STRING port INT32
  FindCoordinator Response (Version: 1-2) => throttle_time_ms INT32 error_code INT16 error_message NULLABLE_STRING
                                             node_id INT32 host STRING port INT32
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export function decodeRequest(reader: Reader, version: number): {key: string; keyType: number} {
  const key = reader.string()
  return {key, keyType: version >= 1 ? reader.int8() : 0}
}

export interface FindCoordinatorResponse {
  errorCode: number
  errorMessage: string | null
  nodeId: number
  host: string
  port: number
}

export function encodeResponse(writer: Writer, version: number, response: FindCoordinatorResponse): void {
  if (version >= 1) writer.int32(0)
  writer.int16(response.errorCode)
  if (version >= 1) writer.string(response.errorMessage)
  writer.int32(response.nodeId).string(response.host).int32(response.port)
}
