/**
 * A growable big-endian buffer with Kafka's primitive encodings (see reader.ts for the grammar).
 * Encoders chain calls; `flexible` switches strings, bytes and arrays to their compact forms.
 */
export class Writer {
  // Every write reserves first: `this.buf.x(v, this.reserve(n))` would write into the old buffer when reserve grows it.
  private buf: Buffer
  length = 0

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  private reserve(bytes: number): number {
    if (this.length + bytes > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes))
      this.buf.copy(grown, 0, 0, this.length)
      this.buf = grown
    }
    const at = this.length
    this.length += bytes
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

  /** Patches an int32 written earlier (frame sizes). */
  setInt32(at: number, value: number): this {
    this.buf.writeInt32BE(value, at)
    return this
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

  /** The bytes written so far (a view; valid until the next write). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length)
  }
}
