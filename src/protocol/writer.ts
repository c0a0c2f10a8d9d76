/**
 * A growable big-endian buffer with Kafka's primitive encodings (see reader.ts for the grammar).
 * Encoders chain calls; `flexible` switches strings, bytes and arrays to their compact forms.
 *
 * Large byte fields can be spliced in by reference (`rawRef`, used for the records of Fetch
 * responses): the message is then a list of parts, `toBuffers()` hands them to a vectored socket
 * write, and the record bytes are never copied into the message buffer.
 */

/** Below this a referenced field is copied anyway: a part of its own would cost more than the copy. */
const SPLICE_MIN_BYTES = 16 * 1024

export class Writer {
  // Every write reserves first: `this.buf.x(v, this.reserve(n))` would write into the old buffer when reserve grows it.
  private buf: Buffer
  /** Bytes written into `buf`. */
  private used = 0
  /** Finished parts before `buf` (written bytes and spliced fields), and their total length. */
  private parts: Buffer[] = []
  private partsLength = 0

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  /** Bytes written so far, spliced parts included. */
  get length(): number {
    return this.partsLength + this.used
  }

  private reserve(bytes: number): number {
    if (this.used + bytes > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + bytes))
      this.buf.copy(grown, 0, 0, this.used)
      this.buf = grown
    }
    const at = this.used
    this.used += bytes
    return at
  }

  int8(value: number): this {
    const at = this.reserve(1)
    this.buf.writeInt8(value, at)
    return this
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0)
  }

  int16(value: number): this {
    const at = this.reserve(2)
    this.buf.writeInt16BE(value, at)
    return this
  }

  int32(value: number): this {
    const at = this.reserve(4)
    this.buf.writeInt32BE(value, at)
    return this
  }

  int64(value: number): this {
    const at = this.reserve(8)
    const high = Math.floor(value / 0x1_0000_0000)
    this.buf.writeInt32BE(high, at)
    this.buf.writeUInt32BE(value - high * 0x1_0000_0000, at + 4)
    return this
  }

  uint16(value: number): this {
    const at = this.reserve(2)
    this.buf.writeUInt16BE(value, at)
    return this
  }

  float64(value: number): this {
    const at = this.reserve(8)
    this.buf.writeDoubleBE(value, at)
    return this
  }

  /** A uuid given as 32 hex characters (dashes allowed). */
  uuid(value: string): this {
    const hex = value.replaceAll('-', '')
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`'${value}' is not a uuid`)
    return this.raw(Buffer.from(hex, 'hex'))
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(value: number): this {
    return this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1)
  }

  uvarint(value: number): this {
    while (value >= 0x80) {
      const at = this.reserve(1)
      this.buf[at] = (value & 0x7f) | 0x80
      value = Math.floor(value / 128)
    }
    const at = this.reserve(1)
    this.buf[at] = value
    return this
  }

  /** Patches an int32 written earlier (frame sizes); its 4 bytes must not straddle a spliced part. */
  setInt32(at: number, value: number): this {
    if (at >= this.partsLength) {
      this.buf.writeInt32BE(value, at - this.partsLength)
      return this
    }
    let partStart = 0
    for (const part of this.parts) {
      if (at < partStart + part.length) {
        if (at + 4 > partStart + part.length) throw new Error(`int32 at ${at} straddles a spliced part`)
        part.writeInt32BE(value, at - partStart)
        return this
      }
      partStart += part.length
    }
    throw new Error(`int32 at ${at} is past the written bytes`)
  }

  string(value: string | null, flexible = false): this {
    if (value === null) return flexible ? this.uvarint(0) : this.int16(-1)
    const bytes = Buffer.byteLength(value)
    if (flexible) this.uvarint(bytes + 1)
    else this.int16(bytes)
    const at = this.reserve(bytes)
    this.buf.write(value, at)
    return this
  }

  bytes(value: Uint8Array | null, flexible = false): this {
    if (value === null) return flexible ? this.uvarint(0) : this.int32(-1)
    if (flexible) this.uvarint(value.length + 1)
    else this.int32(value.length)
    return this.raw(value)
  }

  raw(value: Uint8Array): this {
    const at = this.reserve(value.length)
    this.buf.set(value, at)
    return this
  }

  /**
   * Like raw, but a large value is referenced, not copied: the caller must not change it until the
   * message is sent. The rest of the current buffer goes on receiving what follows.
   */
  rawRef(value: Uint8Array): this {
    if (value.length < SPLICE_MIN_BYTES) return this.raw(value)
    const view = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    if (this.used > 0) this.parts.push(this.buf.subarray(0, this.used))
    this.parts.push(view)
    this.partsLength += this.used + view.length
    this.buf = this.buf.subarray(this.used)
    this.used = 0
    return this
  }

  array<T>(items: readonly T[] | null, write: (w: Writer, item: T) => void, flexible = false): this {
    if (items === null) return flexible ? this.uvarint(0) : this.int32(-1)
    if (flexible) this.uvarint(items.length + 1)
    else this.int32(items.length)
    for (const item of items) write(this, item)
    return this
  }

  /** An empty tagged-field section. */
  taggedFields(): this {
    return this.uvarint(0)
  }

  /** The bytes written so far (a view; valid until the next write; a copy when parts were spliced in). */
  toBuffer(): Buffer {
    if (this.parts.length === 0) return this.buf.subarray(0, this.used)
    return Buffer.concat(this.toBuffers(), this.length)
  }

  /** The bytes written so far as parts, in order, for a vectored write (views, valid until the next write). */
  toBuffers(): Buffer[] {
    return this.used === 0 ? [...this.parts] : [...this.parts, this.buf.subarray(0, this.used)]
  }
}
