/**
 * Splits a byte stream into messages at a delimiter (newline by default, any byte string such as
 * `\0`), carrying a partial message over to the next chunk. Works on raw bytes: values are never
 * decoded or re-encoded on the way from stdin into a batch.
 *
 * Messages are handed out as positions in the chunk itself; only a message that spans two chunks
 * is copied (the carried-over part plus its end), so a chunk is never concatenated as a whole.
 *
 * A message spanning many chunks is kept as a list of copied parts, joined once when its end
 * comes (linear in its length; joining on every chunk made an 80 MB line take a minute). With
 * `maxBytes`, a message longer than that is refused as soon as it passes the limit, before the
 * rest of it is read (`tooLong` makes the error).
 */
export interface SplitterLimit {
  /** The longest message accepted. */
  maxBytes: number
  /** The error thrown when a message passes maxBytes (`bytes`: read of it so far). */
  tooLong: (bytes: number) => Error
}

type OnMessage = (buf: Buffer, start: number, end: number) => void

export class DelimitedSplitter {
  /** The message begun in earlier chunks: copies of its parts, `carried` bytes in all. */
  private parts: Buffer[] = []
  private carried = 0

  constructor(private readonly delimiter: Buffer, private readonly limit?: SplitterLimit) {}

  /** Calls `onMessage(buf, start, end)` for every complete message in `chunk`. */
  push(chunk: Buffer, onMessage: OnMessage): void {
    const delimiter = this.delimiter
    if (delimiter.length !== 1) {
      this.pushMultiByte(chunk, onMessage)
      return
    }
    const byte = delimiter[0]
    let start = this.finishCarried(chunk, byte, onMessage)
    if (start < 0) return
    for (;;) {
      const at = chunk.indexOf(byte, start)
      if (at < 0) break
      this.checkLength(at - start)
      onMessage(chunk, start, at)
      start = at + 1
    }
    if (start < chunk.length) this.carry(chunk, start, chunk.length)
  }

  /** Bytes of a message begun but not ended yet (carried over to the next chunk). */
  get pendingBytes(): number {
    return this.carried
  }

  /** Forgets the message begun but not ended (the input stopped before its end, not at EOF). */
  discard(): void {
    this.parts = []
    this.carried = 0
  }

  /**
   * Ends the message carried over from earlier chunks, if any, with the first delimiter of this
   * chunk: the position after that delimiter, or -1 when the whole chunk was carried on.
   */
  private finishCarried(chunk: Buffer, byte: number, onMessage: OnMessage): number {
    if (this.carried === 0) return 0
    const at = chunk.indexOf(byte)
    if (at < 0) {
      this.carry(chunk, 0, chunk.length)
      return -1
    }
    this.checkLength(this.carried + at)
    const joined = this.joinCarried(chunk.subarray(0, at))
    onMessage(joined, 0, joined.length)
    return at + 1
  }

  /**
   * Like push, for a one-byte delimiter, but hands the chunk's complete messages over together:
   * `onRun(chunk, start, end)` where chunk[start, end) is whole messages, each followed by the
   * delimiter (so the consumer splits them where they lie, with no call per message). A message
   * begun in an earlier chunk still comes through `onMessage`, before the run.
   */
  pushRun(chunk: Buffer, onMessage: OnMessage, onRun: OnMessage): void {
    const delimiter = this.delimiter
    if (delimiter.length !== 1) throw new Error('pushRun needs a one-byte delimiter')
    const byte = delimiter[0]
    const start = this.finishCarried(chunk, byte, onMessage)
    if (start < 0) return
    const last = chunk.lastIndexOf(byte)
    if (last >= start) onRun(chunk, start, last + 1)
    const rest = Math.max(start, last + 1)
    if (rest < chunk.length) this.carry(chunk, rest, chunk.length)
  }

  /** The last message when the input did not end with a delimiter. */
  end(onMessage: OnMessage): void {
    if (this.carried === 0) return
    const joined = this.joinCarried(undefined)
    onMessage(joined, 0, joined.length)
  }

  /** A delimiter of several bytes may itself span two chunks: its start is looked for in the carried tail too. */
  private pushMultiByte(chunk: Buffer, onMessage: OnMessage): void {
    const delimiter = this.delimiter
    let start = 0
    if (this.carried > 0) {
      // The carried tail that could hold the delimiter's first bytes, followed by the chunk.
      const tail = Math.min(delimiter.length - 1, this.carried)
      const last = this.parts[this.parts.length - 1]
      const tailBytes = tail <= last.length ? last.subarray(last.length - tail) : Buffer.concat(this.parts.slice(-tail)).subarray(-tail)
      const window = Buffer.concat([tailBytes, chunk.subarray(0, Math.min(chunk.length, delimiter.length - 1))])
      let at = window.indexOf(delimiter)
      if (at >= tail) at = -1 // lies wholly in the chunk: found below
      if (at >= 0) {
        // Ends in the carried part: the message is the carried bytes minus the delimiter's start.
        this.checkLength(this.carried - (tail - at))
        const joined = this.joinCarried(undefined).subarray(0, this.carried - (tail - at))
        this.discard()
        onMessage(joined, 0, joined.length)
        start = delimiter.length - (tail - at)
      } else {
        const inChunk = chunk.indexOf(delimiter)
        if (inChunk < 0) {
          this.carry(chunk, 0, chunk.length)
          return
        }
        this.checkLength(this.carried + inChunk)
        const joined = this.joinCarried(chunk.subarray(0, inChunk))
        onMessage(joined, 0, joined.length)
        start = inChunk + delimiter.length
      }
    }
    for (;;) {
      const at = chunk.indexOf(delimiter, start)
      if (at < 0) break
      this.checkLength(at - start)
      onMessage(chunk, start, at)
      start = at + delimiter.length
    }
    if (start < chunk.length) this.carry(chunk, start, chunk.length)
  }

  /** Keeps a copy of chunk[start, end) as the next part of the message begun (the chunk's memory is reused). */
  private carry(chunk: Buffer, start: number, end: number): void {
    this.parts.push(Buffer.from(chunk.subarray(start, end)))
    this.carried += end - start
    this.checkLength(this.carried)
  }

  /** The carried message with `end` after it, as one buffer; the carry is empty afterwards. */
  private joinCarried(end: Buffer | undefined): Buffer {
    if (end !== undefined && end.length > 0) this.parts.push(end)
    const joined = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)
    this.parts = []
    this.carried = 0
    return joined
  }

  private checkLength(bytes: number): void {
    if (this.limit !== undefined && bytes > this.limit.maxBytes) {
      const error = this.limit.tooLong(bytes)
      this.discard()
      throw error
    }
  }
}
