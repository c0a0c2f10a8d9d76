/**
 * Buffered stdout for record streams. Records are copied into a large buffer and handed to
 * process.stdout in big writes. When the reader goes away (`| head`), EPIPE marks the output
 * closed and the command ends quietly with exit 0.
 *
 * Backpressure: `flush` waits for 'drain' whenever the stream did not accept a write (what
 * `consume -f` needs: nothing sits in memory); `maybeFlush`, the bounded reader's call after each
 * chunk, lets up to MAX_PENDING_BYTES wait in the stream, so that reading and formatting the next
 * chunk overlaps with the reader of the pipe draining the last one. The buffers handed to the
 * stream come back to a small pool when written (fresh 2 MiB buffers would page-fault anew).
 *
 * When stdout is a pipe, output is also written to it directly (write(2) on fd 1, every 64 KiB and
 * after each chunk) whenever the stream holds nothing: the stream only writes when the event loop
 * runs, which a reader busy formatting the next chunk does not let it do, so the pipe's reader
 * would sit idle and the transfer would not overlap with the formatting. What the pipe does not
 * take stays in the buffer (up to 2 MiB) and goes to the stream once that is full or on flush.
 *
 * Exact mode (`consume --group`, whose commits must match what was written out): to a pipe,
 * everything goes by direct writes, whose results say exactly how many bytes went out; a full
 * pipe is waited on by retrying (at once a few times, then with short sleeps), and the buffer
 * grows rather than handing bytes to the stream. `position()` and `delivered` then tell which
 * records are out. `abort()` (on SIGINT/SIGTERM) ends every wait at once and drops what is left,
 * so a downstream that never reads cannot hold the command.
 */
import fs from 'node:fs'

const FLUSH_BYTES = 256 * 1024
// Room for a whole read chunk's output gathered in place (PartitionCursor reads 1 MiB).
const BUFFER_BYTES = 2 * 1024 * 1024
const MAX_PENDING_BYTES = 4 * 1024 * 1024
const PUMP_BYTES = 64 * 1024
const POOL_BUFFERS = 4
// Frozen under --frozen-intrinsics, for instance: then errors keep their stack traces.
const STACK_LIMIT_WRITABLE = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable === true

export class RecordOutput {
  private buffer: Buffer = Buffer.allocUnsafe(BUFFER_BYTES)
  /** Bytes used in the buffer returned by reserve(); a writer that filled it moves this on. */
  length = 0
  /** Output waiting inside a caller's buffer: inPlace[inPlaceStart, inPlaceAt) (see writeInPlace). */
  private inPlace: Buffer | undefined
  private inPlaceStart = 0
  private inPlaceAt = 0
  /** Set while a write was not accepted and 'drain' has not come yet. */
  private draining: Promise<void> | undefined
  private readonly pool: Buffer[] = []
  /** fd 1 when stdout is a pipe (direct writes, see above), and how much of the buffer went so. */
  private fd: number | undefined
  private written = 0
  /** reserve() tries a direct write once the buffer holds this much (see pump). */
  private pumpAt = PUMP_BYTES
  closed = false
  private onClose: (() => void) | undefined
  /** Bytes that left the buffer (written directly or handed to the stream). */
  private left = 0
  /** Bytes known to be written out (direct writes, and stream writes once called back). */
  delivered = 0
  private aborted = false
  private wakeAbort: (() => void) | undefined
  private readonly abortedPromise: Promise<void>

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout, private readonly exact = false) {
    this.abortedPromise = new Promise((resolve) => {
      this.wakeAbort = resolve
    })
    if (stream === process.stdout) {
      try {
        const stat = fs.fstatSync(1)
        if (stat.isFIFO() || stat.isSocket()) this.fd = 1
      } catch {
        // no usable fd 1: the stream alone
      }
    }
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.markClosed()
      else throw error
    })
  }

  /** Bytes of output made so far, written out or not (compare with `delivered`). */
  position(): number {
    return this.left + this.length - this.written + (this.inPlace === undefined ? 0 : this.inPlaceAt - this.inPlaceStart)
  }

  /** Stops writing and waiting for good: pending and later output is dropped (see above). */
  abort(): void {
    if (this.aborted) return
    this.aborted = true
    this.closed = true
    this.length = 0
    this.written = 0
    this.inPlace = undefined
    this.wakeAbort?.()
  }


  /** Called once when the reader of stdout has gone away. */
  whenClosed(handler: () => void): void {
    this.onClose = handler
  }

  writeBytes(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const n = end - start
    this.ensure(n)
    const target = this.buffer
    let at = this.length
    if (n <= 24) {
      // Short values: a plain loop beats creating a subarray view per record (longer ones do not).
      for (let i = start; i < end; i++) target[at++] = bytes[i]
    } else {
      target.set(n === bytes.length ? bytes : bytes.subarray(start, end), at)
      at += n
    }
    this.length = at
  }

  /**
   * Writes `data[start, end)` followed by the byte `suffix` (-1 for none), for a caller that gives
   * up `data` below `end + 1` (a read chunk whose records up to this one have been consumed): the
   * bytes are moved down inside `data` itself (copyWithin, no view object per record) and copied
   * out as one block on the next write of another kind or buffer, flush or maybeFlush. The caller
   * must call flush or maybeFlush before it reuses `data` for other bytes.
   */
  writeInPlace(data: Buffer, start: number, end: number, suffix: number): void {
    let at = this.inPlaceAt
    if (data !== this.inPlace || at > start) {
      if (this.inPlace !== undefined) this.commitInPlace()
      if (end >= data.length) {
        this.writeBytes(data, start, end)
        if (suffix >= 0) this.writeByte(suffix)
        return
      }
      this.inPlace = data
      this.inPlaceStart = start
      at = end
    } else if (end > start) {
      data.copyWithin(at, start, end)
      at += end - start
    }
    if (suffix >= 0) data[at++] = suffix
    this.inPlaceAt = at
    if (this.fd !== undefined && at - this.inPlaceStart >= PUMP_BYTES) {
      this.commitInPlace()
      this.pump()
    }
  }

  writeByte(byte: number): void {
    this.ensure(1)
    this.buffer[this.length++] = byte
  }

  /**
   * Makes room for `max` bytes and returns the buffer to write them into from `length` on; the
   * caller then sets `length` to the end of what it wrote (the fast path of EnvelopeWriter).
   */
  reserve(max: number): Buffer {
    if (this.fd !== undefined && this.length >= this.pumpAt) this.pump()
    this.ensure(max)
    return this.buffer
  }

  /** Writes a non-negative safe integer in decimal without making a string. */
  writeInteger(value: number): void {
    if (value < 0 || !Number.isSafeInteger(value)) {
      this.writeString(String(value))
      return
    }
    this.ensure(16)
    this.length = writeDecimal(this.buffer, this.length, value)
  }

  writeString(text: string): void {
    const max = text.length * 3
    this.ensure(max)
    this.length += this.buffer.write(text, this.length)
  }

  /** Hands buffered bytes to stdout if enough accumulated; waits when stdout is slow. */
  async maybeFlush(): Promise<void> {
    if (this.inPlace !== undefined) this.commitInPlace()
    if (this.fd !== undefined) this.pump()
    else if (this.length >= FLUSH_BYTES) this.push()
    if (this.draining !== undefined && (this.stream as NodeJS.WritableStream & {writableLength?: number}).writableLength! > MAX_PENDING_BYTES) await Promise.race([this.draining, this.abortedPromise])
  }

  /** Hands everything to stdout and waits until it has been accepted. */
  async flush(): Promise<void> {
    if (this.inPlace !== undefined) this.commitInPlace()
    if (this.exact && this.fd !== undefined) {
      await this.flushDirect()
      if (this.fd !== undefined || this.closed) return
    }
    if (this.fd !== undefined) this.pump()
    this.push()
    if (this.draining !== undefined) await Promise.race([this.draining, this.abortedPromise])
  }

  /** Exact mode: direct writes until everything is out (or the output is aborted or closed). */
  private async flushDirect(): Promise<void> {
    for (let tries = 0; ; tries++) {
      if (this.closed || this.fd === undefined) return
      if (this.draining !== undefined) await Promise.race([this.draining, this.abortedPromise])
      this.pump()
      if (this.length === 0 || this.closed || this.fd === undefined) return
      // A full pipe: retry at once for a moment (a fast reader empties it within microseconds),
      // then every few milliseconds (a slow one: no busy loop).
      const pause = tries < 32 ? new Promise<void>((resolve) => setImmediate(resolve)) : new Promise<void>((resolve) => setTimeout(resolve, Math.min(20, tries - 31)))
      await Promise.race([pause, this.abortedPromise])
    }
  }

  /** Copies the output waiting in the caller's buffer into ours (see writeInPlace). */
  private commitInPlace(): void {
    const data = this.inPlace!
    this.inPlace = undefined
    this.writeBytes(data, this.inPlaceStart, this.inPlaceAt)
  }

  private ensure(extra: number): void {
    if (this.inPlace !== undefined) this.commitInPlace()
    if (this.length + extra <= this.buffer.length) return
    if (this.fd !== undefined) {
      this.pump()
      if (this.written > 0) {
        this.buffer.copyWithin(0, this.written, this.length)
        this.length -= this.written
        this.pumpAt -= this.written
        this.written = 0
      }
      if (this.length + extra <= this.buffer.length) return
      if (this.exact && this.fd !== undefined) {
        // Nothing goes to the stream in exact mode: the next flush writes it all directly.
        const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + extra))
        this.buffer.copy(grown, 0, 0, this.length)
        this.buffer = grown
        return
      }
    }
    this.push()
    if (extra > this.buffer.length) this.buffer = Buffer.allocUnsafe(extra)
  }

  /** Writes what the pipe takes right now, directly, while the stream holds nothing (see above). */
  private pump(): void {
    if (this.written >= this.length || this.closed || (this.stream as NodeJS.WritableStream & {writableLength?: number}).writableLength! > 0) return
    // The next attempt from reserve() comes once another PUMP_BYTES have gathered: retrying a full
    // pipe on every record made thousands of EAGAIN errors per second.
    this.pumpAt = this.length + PUMP_BYTES
    // A full pipe is an exception from writeSync; without a stack trace it is cheap to make.
    const stackTraceLimit = Error.stackTraceLimit
    if (STACK_LIMIT_WRITABLE) Error.stackTraceLimit = 0
    try {
      const n = fs.writeSync(this.fd!, this.buffer, this.written, this.length - this.written)
      this.written += n
      this.left += n
      this.delivered += n
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EAGAIN') return
      if (code === 'EPIPE') this.markClosed()
      // Anything else is the stream's to report: no more direct writes.
      else this.fd = undefined
      return
    } finally {
      if (STACK_LIMIT_WRITABLE) Error.stackTraceLimit = stackTraceLimit
    }
    if (this.written === this.length) {
      this.written = 0
      this.length = 0
      this.pumpAt = PUMP_BYTES
    }
  }

  private push(): void {
    this.pumpAt = PUMP_BYTES
    if (this.length === this.written) {
      this.length = 0
      this.written = 0
      return
    }
    const owner = this.buffer
    const chunk = owner.subarray(this.written, this.length)
    this.left += chunk.length
    this.buffer = this.pool.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES)
    this.length = 0
    this.written = 0
    if (this.closed) return
    let pooled = owner.length === BUFFER_BYTES
    const accepted = this.stream.write(chunk, (error?: Error | null) => {
      if (error === undefined || error === null) this.delivered += chunk.length
      if (pooled && this.pool.length < POOL_BUFFERS) this.pool.push(owner)
    })
    if (!accepted && this.draining === undefined) this.watchDrain()
    // Written at once (a file, or a pipe with room): the buffer is free now, not only after the
    // callback, which a reader that never yields to the event loop would not see run.
    if (pooled && (this.stream as NodeJS.WritableStream & {writableLength?: number}).writableLength === 0) {
      pooled = false
      if (this.pool.length < POOL_BUFFERS) this.pool.push(owner)
    }
  }

  /** Listens for 'drain' from the moment a write is not accepted (it may come before anyone waits). */
  private watchDrain(): void {
    this.draining = new Promise((resolve) => {
      const done = () => {
        this.stream.removeListener('drain', done)
        this.stream.removeListener('close', done)
        this.draining = undefined
        resolve()
      }
      this.stream.once('drain', done)
      this.stream.once('close', done)
    })
  }

  private markClosed(): void {
    if (this.closed) return
    this.closed = true
    this.length = 0
    this.written = 0
    this.inPlace = undefined
    this.onClose?.()
  }
}

/**
 * Writes a non-negative safe integer in decimal at `at` and returns the end. Works in int32
 * arithmetic (doubles divided by 10 in a loop were most of `consume --json`'s integer cost):
 * values of 2^31 and more are written as two halves below 10^8.
 */
export function writeDecimal(target: Uint8Array, at: number, value: number): number {
  if (value < 0x8000_0000) return writeInt31(target, at, value | 0)
  const high = Math.floor(value / 100_000_000)
  const low = value - high * 100_000_000
  at = high < 0x8000_0000 ? writeInt31(target, at, high) : writeDecimal(target, at, high)
  // The low half, zero-padded to 8 digits.
  let v = low | 0
  for (let i = at + 7; i >= at; i--) {
    const q = (v / 10) | 0
    target[i] = 0x30 + (v - q * 10)
    v = q
  }
  return at + 8
}

function writeInt31(target: Uint8Array, at: number, value: number): number {
  let digits = 1
  for (let v = value; v >= 10; v = (v / 10) | 0) digits++
  const end = at + digits
  let v = value
  for (let i = end - 1; i >= at; i--) {
    const q = (v / 10) | 0
    target[i] = 0x30 + (v - q * 10)
    v = q
  }
  return end
}
