/**
 * Splits a byte stream into messages at a delimiter (newline by default, any byte string such as
 * `\0`), carrying a partial message over to the next chunk. Works on raw bytes: values are never
 * decoded or re-encoded on the way from stdin into a batch.
 *
 * Messages are handed out as positions in the chunk itself; only a message that spans two chunks
 * is copied (the carried-over part plus its end), so a chunk is never concatenated as a whole.
 */
export class DelimitedSplitter {
  private carry: Buffer | undefined

  constructor(private readonly delimiter: Buffer) {}

  /** Calls `onMessage(buf, start, end)` for every complete message in `chunk`. */
  push(chunk: Buffer, onMessage: (buf: Buffer, start: number, end: number) => void): void {
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
      onMessage(chunk, start, at)
      start = at + 1
    }
    if (start < chunk.length) this.carry = Buffer.from(chunk.subarray(start))
  }

  /**
   * Ends the message carried over from earlier chunks, if any, with the first delimiter of this
   * chunk: the position after that delimiter, or -1 when the whole chunk was carried on.
   */
  private finishCarried(chunk: Buffer, byte: number, onMessage: (buf: Buffer, start: number, end: number) => void): number {
    if (this.carry === undefined) return 0
    const at = chunk.indexOf(byte)
    if (at < 0) {
      this.carry = Buffer.concat([this.carry, chunk])
      return -1
    }
    const joined = Buffer.concat([this.carry, chunk.subarray(0, at)])
    this.carry = undefined
    onMessage(joined, 0, joined.length)
    return at + 1
  }

  /**
   * Like push, for a one-byte delimiter, but hands the chunk's complete messages over together:
   * `onRun(chunk, start, end)` where chunk[start, end) is whole messages, each followed by the
   * delimiter (so the consumer splits them where they lie, with no call per message). A message
   * begun in an earlier chunk still comes through `onMessage`, before the run.
   */
  pushRun(chunk: Buffer, onMessage: (buf: Buffer, start: number, end: number) => void, onRun: (buf: Buffer, start: number, end: number) => void): void {
    const delimiter = this.delimiter
    if (delimiter.length !== 1) throw new Error('pushRun needs a one-byte delimiter')
    const byte = delimiter[0]
    const start = this.finishCarried(chunk, byte, onMessage)
    if (start < 0) return
    const last = chunk.lastIndexOf(byte)
    if (last >= start) onRun(chunk, start, last + 1)
    const rest = Math.max(start, last + 1)
    if (rest < chunk.length) this.carry = Buffer.from(chunk.subarray(rest))
  }

  /** Bytes of a message begun but not ended yet (carried over to the next chunk). */
  get pendingBytes(): number {
    return this.carry?.length ?? 0
  }

  /** Forgets the message begun but not ended (the input stopped before its end, not at EOF). */
  discard(): void {
    this.carry = undefined
  }

  /** The last message when the input did not end with a delimiter. */
  end(onMessage: (buf: Buffer, start: number, end: number) => void): void {
    if (this.carry !== undefined && this.carry.length > 0) onMessage(this.carry, 0, this.carry.length)
    this.carry = undefined
  }

  /** A delimiter of several bytes may itself span two chunks: join the carry with the chunk. */
  private pushMultiByte(chunk: Buffer, onMessage: (buf: Buffer, start: number, end: number) => void): void {
    let data = chunk
    if (this.carry !== undefined) {
      data = Buffer.concat([this.carry, chunk])
      this.carry = undefined
    }
    const delimiter = this.delimiter
    let start = 0
    for (;;) {
      const at = data.indexOf(delimiter, start)
      if (at < 0) break
      onMessage(data, start, at)
      start = at + delimiter.length
    }
    if (start < data.length) this.carry = Buffer.from(data.subarray(start))
  }
}
