/**
 * BrokerConnection against a scripted broker on a local socket: the version handshake (including a
 * broker that answers ApiVersions v3 with UNSUPPORTED_VERSION and a v0 body, KIP-511), responses
 * arriving one byte at a time or several in one chunk, timeouts and stray correlation ids.
 */
import net from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {BrokerConnection} from '../../../src/client/connection.js'
import {KafkaConnectionError} from '../../../src/client/kafka-error.js'
import {ApiVersions, Metadata} from '../../../src/protocol/apis/index.js'
import {Reader} from '../../../src/protocol/reader.js'
import {encode} from '../../../src/protocol/schema.js'
import {Writer} from '../../../src/protocol/writer.js'

interface Received {
  apiKey: number
  apiVersion: number
  correlationId: number
}

type Script = (request: Received, socket: net.Socket) => void

const servers: net.Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

/** A broker that hands every request frame to `script`. */
async function broker(script: Script): Promise<number> {
  const server = net.createServer((socket) => {
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0))
        pending = pending.subarray(4 + frame.length)
        const r = new Reader(frame)
        script({apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32()}, socket)
      }
    })
    socket.on('error', () => undefined)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

/** A response frame: size, correlation id, [tags for flexible non-ApiVersions], body. */
function frame(correlationId: number, body: Buffer, flexibleHeader = false): Buffer {
  const w = new Writer(64).int32(0).int32(correlationId)
  if (flexibleHeader) w.uvarint(0)
  w.raw(body)
  w.setInt32(0, w.length - 4)
  return Buffer.from(w.toBuffer())
}

const versionsV0 = (apiKeys: Array<[number, number, number]>, errorCode = 0) =>
  Buffer.from(encode(ApiVersions.response, {errorCode, apiKeys: apiKeys.map(([apiKey, minVersion, maxVersion]) => ({apiKey, minVersion, maxVersion}))}, 0).toBuffer())

const metadataAnswer = (version: number) =>
  Buffer.from(encode(Metadata.response, {brokers: [{nodeId: 7, host: 'h', port: 1}], clusterId: 'c1', controllerId: 7, topics: [{errorCode: 0, name: 't', isInternal: false, partitions: [{errorCode: 0, partitionIndex: 0, leaderId: 7, replicaNodes: [7], isrNodes: [7], offlineReplicas: []}]}]}, version).toBuffer())

const open = (port: number, requestTimeoutMs = 5000) => BrokerConnection.open({host: '127.0.0.1', port, clientId: 'test', connectTimeoutMs: 2000, requestTimeoutMs})

describe('BrokerConnection', () => {
  it('falls back to ApiVersions v0 when v3 is refused, and negotiates the highest common version', async () => {
    const seen: Received[] = []
    const port = await broker((request, socket) => {
      seen.push(request)
      if (request.apiKey === 18) socket.write(frame(request.correlationId, request.apiVersion === 3 ? versionsV0([], 35) : versionsV0([[18, 0, 2], [3, 1, 8]])))
      else if (request.apiKey === 3) {
        // One byte at a time: framing must reassemble it.
        const bytes = frame(request.correlationId, metadataAnswer(request.apiVersion))
        for (const byte of bytes) socket.write(Buffer.from([byte]))
      }
    })
    const connection = await open(port)
    expect(connection.version(Metadata)).toBe(8)
    const answer = await connection.request(Metadata, {topics: [{name: 't'}], allowAutoTopicCreation: false})
    expect(answer.clusterId).toBe('c1')
    expect((answer.topics as Array<{name: string}>)[0].name).toBe('t')
    expect(seen.map((r) => `${r.apiKey}v${r.apiVersion}`)).toEqual(['18v3', '18v0', '3v8'])
    connection.close()
  })

  it('reads two answers that arrive in one chunk, each to its own request (flexible header: tags skipped)', async () => {
    const held: Buffer[] = []
    const port = await broker((request, socket) => {
      if (request.apiKey === 18) socket.write(frame(request.correlationId, Buffer.from(encode(ApiVersions.response, {errorCode: 0, apiKeys: [{apiKey: 3, minVersion: 0, maxVersion: 12}]}, 3).toBuffer())))
      else {
        held.push(frame(request.correlationId, metadataAnswer(request.apiVersion), true))
        if (held.length === 2) socket.write(Buffer.concat(held))
      }
    })
    const connection = await open(port)
    expect(connection.version(Metadata)).toBe(12)
    const [a, b] = await Promise.all([connection.request(Metadata, {topics: null}), connection.request(Metadata, {topics: null})])
    expect([a.controllerId, b.controllerId]).toEqual([7, 7])
    connection.close()
  })

  it('a request the broker never answers fails with a connection error after its timeout', async () => {
    const port = await broker((request, socket) => {
      if (request.apiKey === 18) socket.write(frame(request.correlationId, versionsV0([[3, 0, 9]])))
    })
    const connection = await open(port, 300)
    await expect(connection.request(Metadata, {topics: null})).rejects.toThrow(KafkaConnectionError)
    expect(connection.closed).toBe(true)
  })

  it('an answer to a correlation id nobody asked for closes the connection', async () => {
    const port = await broker((request, socket) => {
      if (request.apiKey === 18) socket.write(frame(request.correlationId, versionsV0([[3, 0, 9]])))
      else socket.write(frame(request.correlationId + 100, metadataAnswer(request.apiVersion)))
    })
    const connection = await open(port)
    await expect(connection.request(Metadata, {topics: null})).rejects.toThrow(/correlation id/)
  })

  it('an API the broker does not offer is UNSUPPORTED_VERSION before anything is sent', async () => {
    const port = await broker((request, socket) => {
      if (request.apiKey === 18) socket.write(frame(request.correlationId, versionsV0([[18, 0, 3]])))
    })
    const connection = await open(port)
    expect(() => connection.version(Metadata)).toThrow(/UNSUPPORTED_VERSION/)
    connection.close()
  })

  it('nothing listening: a connection error naming the address', async () => {
    const port = await broker(() => undefined)
    servers.splice(0).forEach((s) => s.close())
    await new Promise((resolve) => setTimeout(resolve, 50))
    await expect(open(port)).rejects.toThrow(new RegExp(`cannot connect to 127.0.0.1:${port}`))
  })
})
