/**
 * One client socket: size-prefixed frames in, responses out in request order. Requests are
 * handled one at a time, as a Kafka broker does per connection, so responses never need
 * reordering; reading pauses while responses wait for the socket to drain, so a slow client holds
 * at most one response and a few queued requests in memory.
 *
 * A frame whose size is negative or above the maximum is refused from its 4-byte size alone,
 * before the body is read; malformed requests close this connection with a log line, never the
 * server.
 *
 * With SASL, a connection that has not logged in gets less: frames up to 512 KiB (Kafka's
 * sasl.server.max.receive.size; a login is a few hundred bytes), and LOGIN_TIMEOUT_MS to log in,
 * so anonymous peers can hold neither much memory nor sockets for long.
 */
import type net from 'node:net'
import type {ServerContext} from './context.js'
import {SaslSession} from './auth/sasl-session.js'
import {ConnectionRefused, dispatch} from './dispatch.js'
import type {ConnectionState} from './handlers/types.js'
import {ProtocolError} from './protocol/reader.js'

/** Pause reading when this many bytes of requests are waiting. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024
const MAX_UNAUTHENTICATED_FRAME_BYTES = 512 * 1024
const LOGIN_TIMEOUT_MS = 30_000

let nextConnectionId = 1

export class Connection {
  readonly state: ConnectionState
  private readonly abort = new AbortController()
  private chunks: Buffer[] = []
  private buffered = 0
  private frameSize = -1
  private readonly queue: Buffer[] = []
  private queuedBytes = 0
  private busy = false
  private closing = false
  private closed = false
  private loginTimer: NodeJS.Timeout | undefined

  constructor(private readonly ctx: ServerContext, private readonly socket: net.Socket, private readonly onClose: (c: Connection) => void) {
    this.state = {id: nextConnectionId++, clientHost: socket.remoteAddress ?? '', signal: this.abort.signal, cursors: new Map(), sasl: new SaslSession(ctx.options.users)}
    socket.setNoDelay(true)
    if (this.state.sasl.enabled) {
      this.loginTimer = setTimeout(() => {
        if (!this.state.sasl.authenticated) this.fail(`no SASL login within ${LOGIN_TIMEOUT_MS / 1000} s`)
      }, LOGIN_TIMEOUT_MS)
      this.loginTimer.unref()
    }
    socket.on('data', (chunk) => this.onData(chunk))
    socket.on('error', () => this.close())
    socket.on('close', () => this.close())
  }

  /** Stops reading; the request in progress finishes and is answered, then the socket ends. */
  shutdown(): void {
    this.closing = true
    this.socket.pause()
    this.abort.abort()
    if (!this.busy) this.socket.end()
  }

  /** Past the shutdown grace: drop the connection whatever it is doing. */
  destroy(): void {
    this.closing = true
    this.socket.destroy()
  }

  get idle(): boolean {
    return !this.busy
  }

  private onData(chunk: Buffer): void {
    if (this.closing || this.closed) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
    for (;;) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) break
        const size = this.take(4).readInt32BE(0)
        const max = this.state.sasl.authenticated ? this.ctx.options.maxRequestBytes : MAX_UNAUTHENTICATED_FRAME_BYTES
        if (size < 0 || size > max) {
          this.fail(`request size ${size} bytes is ${size < 0 ? 'negative' : `above the maximum of ${max}${this.state.sasl.authenticated ? '' : ' before SASL login'}`}`)
          return
        }
        this.frameSize = size
      }
      if (this.buffered < this.frameSize) break
      const frame = this.take(this.frameSize)
      this.frameSize = -1
      this.queue.push(frame)
      this.queuedBytes += frame.length
    }
    if (this.queuedBytes > MAX_QUEUED_BYTES) this.socket.pause()
    void this.process()
  }

  private take(bytes: number): Buffer {
    // A zero-size frame (four zero bytes) may arrive with nothing after it: there is no chunk to look at.
    if (bytes === 0) return Buffer.alloc(0)
    const first = this.chunks[0]
    let out: Buffer
    if (first.length >= bytes) {
      out = first.subarray(0, bytes)
      if (first.length === bytes) this.chunks.shift()
      else this.chunks[0] = first.subarray(bytes)
    } else {
      out = Buffer.allocUnsafe(bytes)
      let filled = 0
      while (filled < bytes) {
        const chunk = this.chunks[0]
        const n = Math.min(chunk.length, bytes - filled)
        chunk.copy(out, filled, 0, n)
        filled += n
        if (n === chunk.length) this.chunks.shift()
        else this.chunks[0] = chunk.subarray(n)
      }
    }
    this.buffered -= bytes
    return out
  }

  private async process(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      while (this.queue.length > 0 && !this.closed) {
        const frame = this.queue.shift()!
        this.queuedBytes -= frame.length
        let response: Buffer | undefined
        try {
          response = await dispatch(this.ctx, frame, this.state)
        } catch (error) {
          const reason = error instanceof ProtocolError ? `malformed request: ${error.message}` : error instanceof ConnectionRefused ? error.message : `request failed: ${(error as Error)?.stack ?? String(error)}`
          this.fail(reason)
          return
        }
        if (this.state.closeAfterResponse !== undefined) {
          this.finish(this.state.closeAfterResponse, response)
          return
        }
        if (response !== undefined && !this.closed && !this.socket.write(response)) await this.drained()
        if (this.closing) break
      }
    } finally {
      this.busy = false
    }
    if (this.closing) this.socket.end()
    else if (this.queuedBytes <= MAX_QUEUED_BYTES && this.socket.isPaused()) this.socket.resume()
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done)
        this.socket.off('close', done)
        resolve()
      }
      this.socket.on('drain', done)
      this.socket.on('close', done)
    })
  }

  private fail(reason: string): void {
    this.ctx.options.log(`connection ${this.state.id} from ${this.state.clientHost}: ${reason}; closing it`)
    this.socket.destroy()
    this.close()
  }

  /** Sends a last response, then ends the connection (the socket flushes what was written before it closes). */
  private finish(reason: string, response: Buffer | undefined): void {
    this.ctx.options.log(`connection ${this.state.id} from ${this.state.clientHost}: ${reason}; closing it`)
    this.closing = true
    if (response !== undefined && !this.closed) this.socket.end(response)
    else this.socket.end()
    this.close()
  }

  private close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.loginTimer)
    this.abort.abort()
    this.queue.length = 0
    this.chunks = []
    this.buffered = 0
    this.frameSize = -1
    for (const entry of this.state.cursors.values()) entry.cursor.close()
    this.state.cursors.clear()
    this.onClose(this)
  }
}
