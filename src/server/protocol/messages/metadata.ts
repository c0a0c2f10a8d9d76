/*
  Metadata Request (Version: 0) => [topics] ; topics => name STRING        (empty array = all topics)
  Metadata Request (Version: 1-3) => [topics] (nullable: null = all, empty = none)
  Metadata Request (Version: 4) => [topics] allow_auto_topic_creation BOOLEAN

  Metadata Response (Version: 0) => [brokers] [topics]
    brokers => node_id INT32 host STRING port INT32
    topics => error_code INT16 name STRING [partitions]
      partitions => error_code INT16 partition_index INT32 leader_id INT32 [replica_nodes INT32] [isr_nodes INT32]
  Version 1 adds brokers.rack NULLABLE_STRING, controller_id INT32 (after brokers), topics.is_internal BOOLEAN (after name)
  Version 2 adds cluster_id NULLABLE_STRING (after brokers, before controller_id)
  Version 3-4 add throttle_time_ms INT32 (first)
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface MetadataRequest {
  /** null = all topics. */
  topics: string[] | null
  allowAutoTopicCreation: boolean
}

export interface MetadataBroker {
  nodeId: number
  host: string
  port: number
}

export interface MetadataTopic {
  errorCode: number
  name: string
  partitions: Array<{errorCode: number; partitionIndex: number; leaderId: number}>
}

export interface MetadataResponse {
  brokers: MetadataBroker[]
  clusterId: string
  controllerId: number
  topics: MetadataTopic[]
}

export function decodeRequest(reader: Reader, version: number): MetadataRequest {
  let topics = reader.nullableArray((r) => r.string())
  if (version === 0 && topics !== null && topics.length === 0) topics = null
  const allowAutoTopicCreation = version >= 4 ? reader.bool() : true
  return {topics, allowAutoTopicCreation}
}

export function encodeResponse(writer: Writer, version: number, response: MetadataResponse): void {
  if (version >= 3) writer.int32(0)
  writer.array(response.brokers, (w, b) => {
    w.int32(b.nodeId).string(b.host).int32(b.port)
    if (version >= 1) w.string(null)
  })
  if (version >= 2) writer.string(response.clusterId)
  if (version >= 1) writer.int32(response.controllerId)
  writer.array(response.topics, (w, t) => {
    w.int16(t.errorCode).string(t.name)
    if (version >= 1) w.bool(false)
    w.array(t.partitions, (pw, p) => {
      pw.int16(p.errorCode).int32(p.partitionIndex).int32(p.leaderId)
      const nodes = p.leaderId >= 0 ? [p.leaderId] : []
      pw.array(nodes, (nw, n) => nw.int32(n))
      pw.array(nodes, (nw, n) => nw.int32(n))
    })
  })
}
