/**
 * A Fetch request (v4: every broker from Kafka 0.11 to 4.x accepts it) whose answer is kept as the
 * record-batch bytes the broker sent, to be read in place by src/core's RecordCursor, as a log
 * directory's segments are. kafkajs would decode every record into an object first, which was most
 * of the CPU of consuming from Kafka.
 *
 *   Fetch Request (v4): replica_id:INT32 max_wait_ms:INT32 min_bytes:INT32 max_bytes:INT32
 *     isolation_level:INT8 [topic:STRING [partition:INT32 fetch_offset:INT64 partition_max_bytes:INT32]]
 *   Fetch Response (v4): throttle_time_ms:INT32 [topic:STRING [partition:INT32 error_code:INT16
 *     high_watermark:INT64 last_stable_offset:INT64 [producer_id:INT64 first_offset:INT64] records:BYTES]]
 */
import {RawRequest, rawRequest} from './raw-request.js'

const FETCH = 1

export interface FetchPartitionRequest {
  partition: number
  fetchOffset: number
  maxBytes: number
}

export interface FetchedPartition {
  partition: number
  errorCode: number
  highWatermark: number
  /** Whole batches, possibly followed by a partial one cut by the size limits. */
  records: Buffer
}

export interface FetchedTopic {
  topic: string
  partitions: FetchedPartition[]
}

export function encodeFetchBody(topics: Array<{topic: string; partitions: FetchPartitionRequest[]}>, maxWaitMs: number, minBytes: number, maxBytes: number): Buffer {
  const names = topics.map((t) => Buffer.from(t.topic))
  let size = 4 + 4 + 4 + 4 + 1 + 4
  topics.forEach((t, i) => (size += 2 + names[i].length + 4 + t.partitions.length * 16))
  const out = Buffer.allocUnsafe(size)
  let at = out.writeInt32BE(-1, 0)
  at = out.writeInt32BE(maxWaitMs, at)
  at = out.writeInt32BE(minBytes, at)
  at = out.writeInt32BE(maxBytes, at)
  // READ_UNCOMMITTED, as a log directory reader sees every batch.
  at = out.writeInt8(0, at)
  at = out.writeInt32BE(topics.length, at)
  topics.forEach((t, i) => {
    at = out.writeInt16BE(names[i].length, at)
    at += names[i].copy(out, at)
    at = out.writeInt32BE(t.partitions.length, at)
    for (const p of t.partitions) {
      at = out.writeInt32BE(p.partition, at)
      at = out.writeBigInt64BE(BigInt(p.fetchOffset), at)
      at = out.writeInt32BE(p.maxBytes, at)
    }
  })
  return out
}

export function decodeFetchResponse(body: Buffer): FetchedTopic[] {
  let at = 4 // throttle_time_ms
  const topicCount = body.readInt32BE(at)
  at += 4
  const topics: FetchedTopic[] = []
  for (let t = 0; t < topicCount; t++) {
    const nameLength = body.readInt16BE(at)
    const topic = body.toString('utf8', at + 2, at + 2 + nameLength)
    at += 2 + nameLength
    const partitionCount = body.readInt32BE(at)
    at += 4
    const partitions: FetchedPartition[] = []
    for (let p = 0; p < partitionCount; p++) {
      const partition = body.readInt32BE(at)
      const errorCode = body.readInt16BE(at + 4)
      const highWatermark = Number(body.readBigInt64BE(at + 6))
      at += 4 + 2 + 8 + 8
      const aborted = body.readInt32BE(at)
      at += 4 + Math.max(0, aborted) * 16
      const length = body.readInt32BE(at)
      at += 4
      const records = length <= 0 ? Buffer.alloc(0) : body.subarray(at, at + length)
      at += Math.max(0, length)
      partitions.push({partition, errorCode, highWatermark, records})
    }
    topics.push({topic, partitions})
  }
  return topics
}

/** Fetch v4 with `body`, answered as the topics' raw batches. */
export function fetchRequest(body: Buffer): RawRequest<FetchedTopic[]> {
  return rawRequest(FETCH, 4, 'Fetch', body, {
    decode: async (raw: Buffer) => decodeFetchResponse(raw),
    parse: async (topics: FetchedTopic[]) => topics,
  })
}
