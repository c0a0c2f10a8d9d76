/**
 * A Produce request (v3, which every broker from Kafka 0.11 to 4.x accepts; v7 for zstd batches,
 * which brokers refuse below v7 with UNSUPPORTED_COMPRESSION_TYPE, KIP-110) carrying record
 * batches strom encoded itself (src/core's BatchBuilder: in place, native CRC-32C), sent on
 * kafkajs' connection to the partition leader. kafkajs would re-encode every record through its
 * generic encoder, the largest cost of producing to Kafka; the bytes here are the ones a log
 * directory would hold.
 *
 *   Produce Request (v3 to v7, one layout): transactional_id:NULLABLE_STRING acks:INT16 timeout_ms:INT32
 *     [topic:STRING [partition:INT32 records:NULLABLE_BYTES]]
 * The responses differ (v5 adds log_start_offset), so each version is read by kafkajs' parser of it.
 */
import {createRequire} from 'node:module'
import {RawRequest, rawRequest} from './raw-request.js'

const require = createRequire(import.meta.url)

type ProduceResponse = {decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown>}
const produceV3Response = require('kafkajs/src/protocol/requests/produce/v3/response') as ProduceResponse
let produceV7Response: ProduceResponse | undefined
const ZSTD = 4

const PRODUCE = 0

export function encodeProduceBody(topic: string, batches: Array<{partition: number; batch: Buffer}>, acks: number, timeoutMs: number): Buffer {
  const name = Buffer.from(topic)
  let size = 2 + 2 + 4 + 4 + 2 + name.length + 4
  for (const {batch} of batches) size += 4 + 4 + batch.length
  const out = Buffer.allocUnsafe(size)
  let at = out.writeInt16BE(-1, 0)
  at = out.writeInt16BE(acks, at)
  at = out.writeInt32BE(timeoutMs, at)
  at = out.writeInt32BE(1, at)
  at = out.writeInt16BE(name.length, at)
  at += name.copy(out, at)
  at = out.writeInt32BE(batches.length, at)
  for (const {partition, batch} of batches) {
    at = out.writeInt32BE(partition, at)
    at = out.writeInt32BE(batch.length, at)
    at += batch.copy(out, at)
  }
  return out
}

/**
 * Produce v3 with `body` (v7 when its batches are zstd, `codec` 4); kafkajs' own response parser
 * throws a KafkaJSProtocolError (with the error's type) for a failed partition.
 */
export function produceRequest(body: Buffer, expectResponse = true, codec = 0): RawRequest<unknown> {
  // acks=0: the broker sends no response at all, so none may be waited for.
  if (codec !== ZSTD) return rawRequest(PRODUCE, 3, 'Produce', body, produceV3Response, expectResponse)
  produceV7Response ??= require('kafkajs/src/protocol/requests/produce/v7/response') as ProduceResponse
  return rawRequest(PRODUCE, 7, 'Produce', body, produceV7Response, expectResponse)
}
