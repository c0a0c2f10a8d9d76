/**
 * Response frames captured from Apache Kafka 4.1.1 (scripts/capture-kafka-responses.mjs), decoded
 * by the declarations: the bytes a real broker sends must read completely, with the values known
 * of that broker.
 */
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ApiVersions, Metadata} from '../../../src/protocol/apis/index.js'
import {decodeResponseHeader} from '../../../src/protocol/header.js'
import {Reader} from '../../../src/protocol/reader.js'
import {decodeFrom, encode} from '../../../src/protocol/schema.js'
import type {ApiSchema} from '../../../src/protocol/api.js'

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures')

function decodeCaptured(file: string, api: ApiSchema, version: number) {
  const frame = fs.readFileSync(path.join(FIXTURES, file))
  expect(frame.readInt32BE(0)).toBe(frame.length - 4)
  const reader = new Reader(frame, 4)
  const correlationId = decodeResponseHeader(reader, api.key, version)
  const body = decodeFrom(api.response, reader, version)
  expect(reader.remaining, `${file}: bytes left after decoding`).toBe(0)
  return {correlationId, body}
}

describe('responses captured from Kafka 4.1.1', () => {
  it('ApiVersions v3: header v0, every API with its range, the features in tagged fields', () => {
    const {correlationId, body} = decodeCaptured('kafka-4.1.1-apiversions-v3.bin', ApiVersions, 3)
    expect(correlationId).toBe(1)
    expect(body.errorCode).toBe(0)
    const range = (key: number) => body.apiKeys.find((k: {apiKey: number}) => k.apiKey === key)
    expect(range(18)).toEqual({apiKey: 18, minVersion: 0, maxVersion: 4})
    expect(range(3).maxVersion).toBeGreaterThanOrEqual(12)
    expect(range(1).maxVersion).toBeGreaterThanOrEqual(16)
    // Kafka 4 sends its supported and finalized features as tagged fields 0-2.
    expect(body.supportedFeatures.map((f: {name: string}) => f.name)).toContain('metadata.version')
    expect(body.finalizedFeaturesEpoch).toBeGreaterThanOrEqual(0)
  })

  it('Metadata v12: the broker, the cluster id, the topic with its id and partitions', () => {
    const {correlationId, body} = decodeCaptured('kafka-4.1.1-metadata-v12.bin', Metadata, 12)
    expect(correlationId).toBe(2)
    expect(body.brokers).toEqual([{nodeId: 1, host: '127.0.0.1', port: 19092, rack: null}])
    expect(typeof body.clusterId).toBe('string')
    const topic = body.topics.find((t: {name: string}) => t.name === 'captured')
    expect(topic.errorCode).toBe(0)
    expect(topic.topicId).toMatch(/^[0-9a-f]{32}$/)
    expect(topic.topicId).not.toBe('0'.repeat(32))
    expect(topic.partitions.map((p: {partitionIndex: number}) => p.partitionIndex).sort()).toEqual([0, 1])
  })

  it('re-encoding the decoded bodies gives the captured bytes back', () => {
    for (const [file, api, version] of [['kafka-4.1.1-apiversions-v3.bin', ApiVersions, 3], ['kafka-4.1.1-metadata-v12.bin', Metadata, 12]] as const) {
      const frame = fs.readFileSync(path.join(FIXTURES, file))
      const reader = new Reader(frame, 4)
      decodeResponseHeader(reader, api.key, version)
      const start = reader.offset
      const body = decodeFrom(api.response, reader, version)
      expect(Buffer.from(encode(api.response, body, version).toBuffer()).equals(frame.subarray(start))).toBe(true)
    }
  })
})
