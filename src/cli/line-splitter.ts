/**
 * Splits a byte stream into messages at a delimiter (newline by default, any byte string such as
 * `\0`), carrying a partial message over to the next chunk. Works on raw bytes: values are never
 * decoded or re-encoded on the way from stdin into a batch.
 */
export class DelimitedSplitter {
  private carry: Buffer | undefined

  constructor(private readonly delimiter: Buffer) {}

  /** Calls `onMessage(buf, start, end)` for every complete message in `chunk`. */
  push(chunk: Buffer, onMessage: (buf: Buffer, start: number, end: number) => void): void {
    let data = chunk
    if (this.carry !== undefined) {
      data = Buffer.concat([this.carry, chunk])
      this.carry = undefined
    }
    const delimiter = this.delimiter
    const single = delimiter.length === 1 ? delimiter[0] : -1
    let start = 0
    for (;;) {
      const at = single >= 0 ? data.indexOf(single, start) : data.indexOf(delimiter, start)
      if (at < 0) break
      onMessage(data, start, at)
      start = at + delimiter.length
    }
    if (start < data.length) this.carry = Buffer.from(data.subarray(start))
  }

  /** The last message when the input did not end with a delimiter. */
  end(onMessage: (buf: Buffer, start: number, end: number) => void): void {
    if (this.carry !== undefined && this.carry.length > 0) onMessage(this.carry, 0, this.carry.length)
    this.carry = undefined
  }
}
