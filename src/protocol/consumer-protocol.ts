/*
  The "consumer" embedded protocol: bytes that JoinGroup and SyncGroup carry opaquely.

  ConsumerProtocolSubscription => version INT16 [topics STRING] user_data NULLABLE_BYTES
      owned_partitions (v1+) [topic STRING [partitions INT32]] generation_id INT32 (v2+) rack_id NULLABLE_STRING (v3+)
  ConsumerProtocolAssignment => version INT16 [assigned_partitions] user_data NULLABLE_BYTES
      assigned_partitions => topic STRING [partitions INT32]

  Later fields are optional on the wire (older clients stop after user_data), so only the topics are
  required here.
*/
import {Reader} from './reader.js'
import {Writer} from './writer.js'

export function decodeSubscriptionTopics(metadata: Buffer): string[] {
  const reader = new Reader(metadata)
  reader.int16()
  return reader.array((r) => r.string())
}

export function encodeAssignment(partitions: Map<string, number[]>): Buffer {
  const writer = new Writer(64)
  writer.int16(0)
  writer.array([...partitions.entries()], (w, [topic, list]) => {
    w.string(topic)
    w.array(list, (pw, p) => pw.int32(p))
  })
  writer.bytes(null)
  return Buffer.from(writer.toBuffer())
}

export function decodeAssignment(bytes: Buffer): Map<string, number[]> {
  const result = new Map<string, number[]>()
  if (bytes.length === 0) return result
  const reader = new Reader(bytes)
  reader.int16()
  for (const entry of reader.array((r) => ({topic: r.string(), partitions: r.int32Array()}))) result.set(entry.topic, entry.partitions)
  return result
}

/** A version 0 subscription: the topics, no user data (what a range or roundrobin member sends). */
export function encodeSubscription(topics: string[]): Buffer {
  const writer = new Writer(64)
  writer.int16(0)
  writer.array(topics, (w, topic) => w.string(topic))
  writer.bytes(null)
  return Buffer.from(writer.toBuffer())
}
