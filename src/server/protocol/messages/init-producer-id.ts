/*
  InitProducerId Request (Version: 0-1) => transactional_id NULLABLE_STRING transaction_timeout_ms INT32
  InitProducerId Response (Version: 0-1) => throttle_time_ms INT32 error_code INT16 producer_id INT64 producer_epoch INT16
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export function decodeRequest(reader: Reader): {transactionalId: string | null; transactionTimeoutMs: number} {
  return {transactionalId: reader.nullableString(), transactionTimeoutMs: reader.int32()}
}

export function encodeResponse(writer: Writer, _version: number, response: {errorCode: number; producerId: number; producerEpoch: number}): void {
  writer.int32(0).int16(response.errorCode).int64(response.producerId).int16(response.producerEpoch)
}
