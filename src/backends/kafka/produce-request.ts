/**
 * A Produce request (v3, which every broker from Kafka 0.11 to 4.x accepts) carrying record
 * batches strom encoded itself (src/core's BatchBuilder: in place, native CRC-32C), sent on
 * kafkajs' connection to the partition leader. kafkajs would re-encode every record through its
 * generic encoder, the largest cost of producing to Kafka; the bytes here are the ones a log
 * directory would hold.
 *
 *   Produce Request (v3): transactional_id:NULLABLE_STRING acks:INT16 timeout_ms:INT32
 *     [topic:STRING [partition:INT32 records:NULLABLE_BYTES]]
 */
import {createRequire} from 'node:module'
import {RawRequest, rawRequest} from './raw-request.js'

const require = createRequire(import.meta.url)

const produceV3Response = require('kafkajs/src/protocol/requests/produce/v3/response') as {decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown>}

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

/** Produce v3 with `body`; kafkajs' own v3 response parser throws a KafkaJSProtocolError (with the error's type) for a failed partition. */
export function produceRequest(body: Buffer, expectResponse = true): RawRequest<unknown> {
  // acks=0: the broker sends no response at all, so none may be waited for.
  return rawRequest(PRODUCE, 3, 'Produce', body, produceV3Response, expectResponse)
}
