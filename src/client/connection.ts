/**
 * One connection to one Kafka broker: framing, correlation ids, per-request timeouts, the version
 * handshake (ApiVersions) and the login (SASL), with every request and response encoded by the
 * declared protocol layer (src/protocol) that `strom serve` decodes with.
 *
 *   frame    => size INT32 (bytes after it) + header + body
 *   request  => Request Header v1 (v2 in an API's flexible versions) + body  (protocol/header.ts)
 *   response => correlation_id INT32 [+ TAG_BUFFER in flexible versions] + body
 *
 * Kafka answers a connection's requests in the order they were sent; the correlation id is still
 * checked, so a broker that answers out of turn fails the request instead of mixing answers.
 */
import net from 'node:net'
import tls from 'node:tls'
import type {ApiSchema} from '../protocol/api.js'
import {ApiVersions, SaslAuthenticate, SaslHandshake} from '../protocol/apis/index.js'
import {decodeResponseHeader, encodeRequestHeader} from '../protocol/header.js'
import {Reader} from '../protocol/reader.js'
import {type Struct, decodeFrom, encode} from '../protocol/schema.js'
import {Writer} from '../protocol/writer.js'
import {KafkaConnectionError, KafkaProtocolError, check} from './kafka-error.js'
import {type SaslCredentials, saslExchange} from './sasl.js'

export interface ConnectionOptions {
  host: string
  port: number
  clientId: string
  /** TLS options for node:tls (undefined: plaintext). */
  tls?: tls.ConnectionOptions
  sasl?: SaslCredentials
  connectTimeoutMs: number
  /** Default time a request may wait for its answer (a Fetch adds its own max wait). */
  requestTimeoutMs: number
}

interface Pending {
  correlationId: number
  api: ApiSchema
  version: number
  resolve(body: Reader): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

const SOFTWARE_NAME = 'strom'
const SOFTWARE_VERSION = '1'
/** A frame larger than this is not a Kafka response (the broker's own limit is far below). */
const MAX_FRAME_BYTES = 1024 * 1024 * 1024

export class BrokerConnection {
  readonly address: string
  private readonly socket: net.Socket
  private readonly pending = new Map<number, Pending>()
  private nextCorrelationId = 1
  private chunks: Buffer[] = []
  private buffered = 0
  private closedWith: Error | undefined
  /** apiKey → the broker's [min, max]. */
  private readonly brokerVersions = new Map<number, [number, number]>()

  private constructor(private readonly options: ConnectionOptions, socket: net.Socket) {
    this.address = `${options.host}:${options.port}`
    this.socket = socket
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error) => this.fail(new KafkaConnectionError(`connection to ${this.address} failed: ${error.message}`, this.address)))
    socket.on('close', () => this.fail(new KafkaConnectionError(`connection to ${this.address} closed`, this.address)))
  }

  /** Connects, learns the broker's API versions and logs in. */
  static async open(options: ConnectionOptions): Promise<BrokerConnection> {
    const socket = await connectSocket(options)
    const connection = new BrokerConnection(options, socket)
    try {
      await connection.negotiateVersions()
      if (options.sasl !== undefined) await connection.authenticate(options.sasl)
    } catch (error) {
      connection.close()
      throw error
    }
    return connection
  }

  get closed(): boolean {
    return this.closedWith !== undefined
  }

  /** The highest version of `api` both sides speak, at most `cap`; throws UNSUPPORTED_VERSION when there is none. */
  version(api: ApiSchema, cap = api.maxVersion): number {
    const range = this.brokerVersions.get(api.key)
    const max = Math.min(cap, api.maxVersion, range?.[1] ?? -1)
    if (range === undefined || max < Math.max(api.minVersion, range[0])) {
      throw new KafkaProtocolError(35, `${api.name} with ${this.address}`, range === undefined ? 'the broker does not offer this API' : `the broker speaks v${range[0]}-${range[1]}, strom v${api.minVersion}-${Math.min(cap, api.maxVersion)}`)
    }
    return max
  }

  supports(api: ApiSchema): boolean {
    return this.brokerVersions.has(api.key)
  }

  /**
   * Sends `body` as `api` at the negotiated version (or `version`) and decodes the answer.
   * With `expectResponse` false (Produce with acks=0) the broker sends nothing back.
   */
  async request(api: ApiSchema, body: Struct, options: {version?: number; timeoutMs?: number; expectResponse?: boolean} = {}): Promise<Struct> {
    const version = options.version ?? this.version(api)
    const reader = await this.send(api, version, (w) => encode(api.request, body, version, w), options.timeoutMs ?? this.options.requestTimeoutMs, options.expectResponse ?? true)
    return reader === undefined ? {} : decodeFrom(api.response, reader, version)
  }

  close(): void {
    this.fail(new KafkaConnectionError(`connection to ${this.address} closed`, this.address))
  }

  private send(api: ApiSchema, version: number, writeBody: (w: Writer) => void, timeoutMs: number, expectResponse: boolean): Promise<Reader | undefined> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith)
    const correlationId = this.nextCorrelationId++
    if (this.nextCorrelationId > 0x7fffffff) this.nextCorrelationId = 1
    const writer = new Writer(256)
    writer.int32(0)
    encodeRequestHeader(writer, {apiKey: api.key, apiVersion: version, correlationId, clientId: this.options.clientId})
    writeBody(writer)
    writer.setInt32(0, writer.length - 4)
    const frame = writer.toBuffer()
    if (!expectResponse) {
      return new Promise((resolve, reject) => this.socket.write(frame, (error) => (error ? reject(new KafkaConnectionError(`writing to ${this.address}: ${error.message}`, this.address)) : resolve(undefined))))
    }
    return new Promise<Reader>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The answer may still come; the connection is dropped (as Kafka's clients do) so it cannot
        // be mistaken for another request's.
        this.fail(new KafkaConnectionError(`${api.name} to ${this.address} got no answer within ${Math.round(timeoutMs / 1000)} s`, this.address))
      }, timeoutMs)
      this.pending.set(correlationId, {correlationId, api, version, resolve, reject, timer})
      this.socket.write(frame)
    })
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    while (this.buffered >= 4) {
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.joinChunks()
      const size = head.readInt32BE(0)
      if (size < 4 || size > MAX_FRAME_BYTES) {
        this.fail(new KafkaConnectionError(`${this.address} sent a frame of ${size} bytes: not a Kafka broker?`, this.address))
        return
      }
      if (this.buffered < 4 + size) return
      const all = this.joinChunks()
      const frame = all.subarray(4, 4 + size)
      const rest = all.subarray(4 + size)
      this.chunks = rest.length > 0 ? [rest] : []
      this.buffered = rest.length
      this.onFrame(frame)
      if (this.closedWith !== undefined) return
    }
  }

  private joinChunks(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)]
    return this.chunks[0]
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0)
    const request = this.pending.get(correlationId)
    if (request === undefined) {
      this.fail(new KafkaConnectionError(`${this.address} answered correlation id ${correlationId}, which no request here has`, this.address))
      return
    }
    this.pending.delete(correlationId)
    clearTimeout(request.timer)
    try {
      const reader = new Reader(frame)
      decodeResponseHeader(reader, request.api.key, request.version)
      request.resolve(reader)
    } catch (error) {
      request.reject(error as Error)
    }
  }

  private fail(error: Error): void {
    if (this.closedWith !== undefined) return
    this.closedWith = error
    for (const request of this.pending.values()) {
      clearTimeout(request.timer)
      request.reject(error)
    }
    this.pending.clear()
    this.socket.destroy()
  }

  /**
   * ApiVersions v3 first (what today's brokers speak); a broker that does not know v3 answers
   * UNSUPPORTED_VERSION with a v0 body listing its versions (KIP-511), read here as v0.
   */
  private async negotiateVersions(): Promise<void> {
    const ask = async (version: number) => {
      const reader = await this.send(ApiVersions, version, (w) => encode(ApiVersions.request, {clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: SOFTWARE_VERSION}, version, w), this.options.requestTimeoutMs, true)
      return reader!
    }
    const reader = await ask(3)
    const at = reader.offset
    let answer: Struct
    try {
      answer = decodeFrom(ApiVersions.response, reader, 3)
    } catch {
      answer = {errorCode: 35}
    }
    if (answer.errorCode === 35) {
      // Some brokers answer an unknown version with a v0 body in this very response.
      answer = decodeFrom(ApiVersions.response, new Reader(reader.buf, at), 0)
      if (answer.errorCode === 35 || (answer.apiKeys as unknown[]).length === 0) answer = decodeFrom(ApiVersions.response, (await ask(0)), 0)
    }
    check(answer.errorCode as number, `ApiVersions with ${this.address}`)
    for (const entry of answer.apiKeys as Array<{apiKey: number; minVersion: number; maxVersion: number}>) this.brokerVersions.set(entry.apiKey, [entry.minVersion, entry.maxVersion])
  }

  /** SaslHandshake v1, then the mechanism's messages in SaslAuthenticate requests (KIP-152). */
  private async authenticate(sasl: SaslCredentials): Promise<void> {
    const mechanism = sasl.mechanism
    const handshake = await this.request(SaslHandshake, {mechanism}, {version: this.version(SaslHandshake, 1)})
    if (handshake.errorCode !== 0) {
      throw new KafkaProtocolError(handshake.errorCode as number, `SASL with ${this.address}`, `${mechanism} is not enabled; the broker offers ${(handshake.mechanisms as string[]).join(', ') || 'none'}`)
    }
    const version = this.version(SaslAuthenticate)
    await saslExchange(sasl, async (token) => {
      const answer = await this.request(SaslAuthenticate, {authBytes: token}, {version})
      check(answer.errorCode as number, `SASL ${mechanism} login as '${sasl.username}' at ${this.address}`, answer.errorMessage as string | null)
      return answer.authBytes as Buffer
    })
  }
}

function connectSocket(options: ConnectionOptions): Promise<net.Socket> {
  const address = `${options.host}:${options.port}`
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      socket.destroy()
      reject(new KafkaConnectionError(`cannot connect to ${address}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, address))
    }
    const ready = () => {
      socket.setTimeout(0)
      socket.off('error', onError)
      socket.setNoDelay(true)
      resolve(socket)
    }
    const socket: net.Socket = options.tls === undefined
      ? net.connect({host: options.host, port: options.port}, ready)
      : tls.connect({host: options.host, port: options.port, servername: net.isIP(options.host) === 0 ? options.host : undefined, ...options.tls}, ready)
    socket.setTimeout(options.connectTimeoutMs, () => onError(new Error(`no connection within ${options.connectTimeoutMs} ms`)))
    socket.once('error', onError)
  })
}
