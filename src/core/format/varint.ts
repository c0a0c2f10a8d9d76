/**
 * Kafka's zig-zag varints (records inside a batch) and unsigned varints (the flexible protocol).
 * varlong uses arithmetic, not bitwise operators: JS bit operations are 32-bit.
 * Readers take a mutable position `{o}` so the hot path allocates nothing.
 */
export interface Position {
  o: number
}

export function varintSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  let size = 1
  while (v >= 0x80) {
    v >>>= 7
    size++
  }
  return size
}

export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  return writeUnsignedVarint(buf, offset, ((value << 1) ^ (value >> 31)) >>> 0)
}

export function readVarint(buf: Uint8Array, pos: Position): number {
  const raw = readUnsignedVarint(buf, pos)
  return (raw >>> 1) ^ -(raw & 1)
}

function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

export function varlongSize(value: number): number {
  let v = zigzag64(value)
  let size = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    size++
  }
  return size
}

export function writeVarlong(buf: Uint8Array, offset: number, value: number): number {
  let v = zigzag64(value)
  while (v >= 0x80) {
    buf[offset++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  buf[offset++] = v
  return offset
}

export function readVarlong(buf: Uint8Array, pos: Position): number {
  let result = 0
  let multiplier = 1
  let b: number
  do {
    b = buf[pos.o++]
    result += (b & 0x7f) * multiplier
    multiplier *= 128
  } while (b & 0x80 && multiplier <= 2 ** 63)
  // un-zigzag: even → n/2, odd → -(n+1)/2
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2
}

export function writeUnsignedVarint(buf: Uint8Array, offset: number, value: number): number {
  let v = value >>> 0
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[offset++] = v
  return offset
}

export function readUnsignedVarint(buf: Uint8Array, pos: Position): number {
  let result = 0
  let shift = 0
  let b: number
  do {
    b = buf[pos.o++]
    result |= (b & 0x7f) << shift
    shift += 7
  } while (b & 0x80 && shift < 35)
  return result >>> 0
}
