/**
 * A cursor over one request body. Every read checks bounds and throws ProtocolError on a short or
 * impossible field, so a malformed frame fails that one request and never reads outside the buffer.
 *
 * Classic encodings: STRING = int16 length + UTF-8 (-1 = null), BYTES = int32 length (-1 = null),
 * ARRAY = int32 count (-1 = null). Flexible (KIP-482) encodings: COMPACT_* carry an unsigned varint
 * of length + 1 (0 = null), and every struct ends with a tagged-field section (uvarint count, then
 * uvarint tag, uvarint size, data), which this server skips: it knows no tagged fields.
 */
import {ProtocolError} from './errors.js'

export {ProtocolError}

/** Largest array a request may claim; anything bigger is damage (a frame is at most a few MiB). */
const MAX_ARRAY = 1_000_000

export class Reader {
  offset: number

  constructor(readonly buf: Buffer, offset = 0, readonly end = buf.length) {
    this.offset = offset
  }

  get remaining(): number {
    return this.end - this.offset
  }

  private need(bytes: number): number {
    if (bytes < 0 || this.offset + bytes > this.end) throw new ProtocolError(`request truncated: needed ${bytes} bytes at ${this.offset}, ${this.end - this.offset} left`)
    const at = this.offset
    this.offset += bytes
    return at
  }

  int8(): number {
    return this.buf.readInt8(this.need(1))
  }

  bool(): boolean {
    return this.int8() !== 0
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2))
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4))
  }

  /** int64 as a JS number; offsets and timestamps stay well below 2^53. */
  int64(): number {
    const at = this.need(8)
    return this.buf.readInt32BE(at) * 0x1_0000_0000 + this.buf.readUInt32BE(at + 4)
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.need(2))
  }

  float64(): number {
    return this.buf.readDoubleBE(this.need(8))
  }

  /** 16 bytes as 32 lowercase hex characters. */
  uuid(): string {
    const at = this.need(16)
    return this.buf.toString('hex', at, at + 16)
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const raw = this.uvarint()
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
  }

  /** A bounded sub-reader over the next `bytes` bytes (a tagged field's value). */
  slice(bytes: number): Reader {
    const at = this.need(bytes)
    return new Reader(this.buf, at, at + bytes)
  }

  uvarint(): number {
    let value = 0
    let shift = 0
    for (;;) {
      const byte = this.buf[this.need(1)]
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return value
      shift += 7
      if (shift > 28) throw new ProtocolError('unsigned varint longer than 5 bytes')
    }
  }

  string(flexible = false): string {
    const value = this.nullableString(flexible)
    if (value === null) throw new ProtocolError('null where a string is required')
    return value
  }

  nullableString(flexible = false): string | null {
    const length = flexible ? this.uvarint() - 1 : this.int16()
    if (length < 0) return null
    const at = this.need(length)
    return this.buf.toString('utf8', at, at + length)
  }

  /** A view into the request buffer (no copy). */
  nullableBytes(flexible = false): Buffer | null {
    const length = flexible ? this.uvarint() - 1 : this.int32()
    if (length < 0) return null
    const at = this.need(length)
    return this.buf.subarray(at, at + length)
  }

  bytes(flexible = false): Buffer {
    return this.nullableBytes(flexible) ?? Buffer.alloc(0)
  }

  nullableArray<T>(read: (r: Reader) => T, flexible = false): T[] | null {
    const count = flexible ? this.uvarint() - 1 : this.int32()
    if (count < 0) return null
    // Every element takes at least one byte: a count beyond the bytes left is damage, not a request.
    if (count > MAX_ARRAY || count > this.remaining) throw new ProtocolError(`array of ${count} elements cannot fit in ${this.remaining} bytes`)
    const items: T[] = []
    for (let i = 0; i < count; i++) items.push(read(this))
    return items
  }

  array<T>(read: (r: Reader) => T, flexible = false): T[] {
    return this.nullableArray(read, flexible) ?? []
  }

  int32Array(flexible = false): number[] {
    return this.array((r) => r.int32(), flexible)
  }

  /** Skips a tagged-field section (flexible versions only). */
  taggedFields(): void {
    const count = this.uvarint()
    for (let i = 0; i < count; i++) {
      this.uvarint()
      this.need(this.uvarint())
    }
  }
}
