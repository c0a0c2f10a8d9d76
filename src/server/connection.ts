/**
 * One client socket: size-prefixed frames in, responses out in request order. Requests are
 * handled one at a time, as a Kafka broker does per connection, so responses never need
 * reordering; reading pauses while responses wait for the socket to drain, so a slow client holds
 * at most one response and a few queued requests in memory.
 *
 * A frame whose size is negative or above the maximum is refused from its 4-byte size alone,
 * before the body is read; malformed requests close this connection with a log line, never the
 * server. Every frame is also reserved, at its announced size, from the server-wide
 * RequestMemory budget until it has been handled: one that does not fit closes its connection,
 * so clients that announce large frames and send them slowly (or never) cannot grow the
 * process's memory past --max-pending-request-bytes, however many connect.
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
  /** The size prefix being read (it may arrive split across chunks). */
  private readonly sizeBytes = Buffer.alloc(4)
  private sizeFilled = 0
  /** The frame whose body is arriving, and how much of it has. */
  private frame: Buffer | undefined
  private frameFilled = 0
  /** Bytes this connection holds of the server's RequestMemory budget. */
  private reserved = 0
  private readonly queue: Buffer[] = []
  private queuedBytes = 0
  private busy = false
  private closing = false
  private closed = false
  private loginTimer: NodeJS.Timeout | undefined

  constructor(private readonly ctx: ServerContext, private readonly socket: net.Socket, private readonly onClose: (c: Connection) => void) {
    this.state = {id: nextConnectionId++, clientHost: socket.remoteAddress ?? '', signal: this.abort.signal, cursors: new Map(), sasl: new SaslSession(ctx.options.users), afterResponse: []}
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
    let at = 0
    while (at < chunk.length && !this.closing && !this.closed) {
      if (this.frame === undefined) {
        const n = Math.min(4 - this.sizeFilled, chunk.length - at)
        chunk.copy(this.sizeBytes, this.sizeFilled, at, at + n)
        this.sizeFilled += n
        at += n
        if (this.sizeFilled < 4) break
        this.sizeFilled = 0
        const size = this.sizeBytes.readInt32BE(0)
        const max = this.state.sasl.authenticated ? this.ctx.options.maxRequestBytes : MAX_UNAUTHENTICATED_FRAME_BYTES
        if (size < 0 || size > max) {
          this.fail(`request size ${size} bytes is ${size < 0 ? 'negative' : `above the maximum of ${max}${this.state.sasl.authenticated ? '' : ' before SASL login'}`}`)
          return
        }
        if (!this.ctx.requestMemory.reserve(size)) {
          const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`
          this.fail(`request of ${mib(size)} does not fit in --max-pending-request-bytes (${mib(this.ctx.requestMemory.inUse)} of ${mib(this.ctx.requestMemory.limit)} held by requests being received or handled)`)
          return
        }
        this.reserved += size
        if (chunk.length - at >= size) {
          // The whole frame is in this chunk (the usual case for small requests): no copy.
          this.enqueue(chunk.subarray(at, at + size))
          at += size
          continue
        }
        // One buffer of the announced size, filled as the body arrives: its pages are touched
        // only as bytes come in, and nothing is copied twice.
        this.frame = Buffer.allocUnsafe(size)
        this.frameFilled = 0
      }
      const n = Math.min(this.frame.length - this.frameFilled, chunk.length - at)
      chunk.copy(this.frame, this.frameFilled, at, at + n)
      this.frameFilled += n
      at += n
      if (this.frameFilled === this.frame.length) {
        const frame = this.frame
        this.frame = undefined
        this.enqueue(frame)
      }
    }
    if (this.queuedBytes > MAX_QUEUED_BYTES) this.socket.pause()
    void this.process()
  }

  private enqueue(frame: Buffer): void {
    this.queue.push(frame)
    this.queuedBytes += frame.length
  }

  /** Gives a handled frame's bytes back to the server's budget (nothing once close() gave back all). */
  private release(bytes: number): void {
    const n = Math.min(bytes, this.reserved)
    this.reserved -= n
    this.ctx.requestMemory.release(n)
  }

  private async process(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      while (this.queue.length > 0 && !this.closed) {
        const frame = this.queue.shift()!
        this.queuedBytes -= frame.length
        let response: Buffer | Buffer[] | undefined
        try {
          response = await dispatch(this.ctx, frame, this.state)
        } catch (error) {
          this.release(frame.length)
          runAll(this.state.afterResponse.splice(0))
          const reason = error instanceof ProtocolError ? `malformed request: ${error.message}` : error instanceof ConnectionRefused ? error.message : `request failed: ${(error as Error)?.stack ?? String(error)}`
          this.fail(reason)
          return
        }
        this.release(frame.length)
        const written = this.state.afterResponse.splice(0)
        if (this.state.closeAfterResponse !== undefined) {
          this.finish(this.state.closeAfterResponse, response, written)
          return
        }
        if (response === undefined || this.closed) runAll(written)
        else if (!this.write(response, written)) await this.drained()
        if (this.closing) break
      }
    } finally {
      this.busy = false
    }
    if (this.closing) this.socket.end()
    else if (this.queuedBytes <= MAX_QUEUED_BYTES && this.socket.isPaused()) this.socket.resume()
  }

  /**
   * Writes a response; one in parts (a Fetch answer's record chunks, not copied into one buffer)
   * goes out corked, as one vectored write. False when the socket wants a drain first.
   */
  private write(response: Buffer | Buffer[], written: Array<() => void> = []): boolean {
    // The last write's callback runs once the socket has taken every part (or with an error once
    // it is destroyed): either way no part is read again.
    const done = written.length === 0 ? undefined : () => runAll(written)
    if (!Array.isArray(response)) return this.socket.write(response, done)
    this.socket.cork()
    let flowing = true
    response.forEach((part, i) => (flowing = this.socket.write(part, i === response.length - 1 ? done : undefined)))
    this.socket.uncork()
    return flowing
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
  private finish(reason: string, response: Buffer | Buffer[] | undefined, written: Array<() => void>): void {
    this.ctx.options.log(`connection ${this.state.id} from ${this.state.clientHost}: ${reason}; closing it`)
    this.closing = true
    if (response !== undefined && !this.closed) this.write(response, written)
    else runAll(written)
    this.socket.end()
    this.close()
  }

  private close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.loginTimer)
    this.abort.abort()
    this.queue.length = 0
    this.frame = undefined
    this.ctx.requestMemory.release(this.reserved)
    this.reserved = 0
    for (const entry of this.state.cursors.values()) entry.cursor.close()
    this.state.cursors.clear()
    this.onClose(this)
  }
}

function runAll(callbacks: Array<() => void>): void {
  for (const callback of callbacks) callback()
}
