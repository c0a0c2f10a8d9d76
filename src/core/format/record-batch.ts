/**
 * Kafka RecordBatch v2 (magic 2), the unit strom stores on disk and Kafka serves on the wire.
 * All integers big-endian. A segment `.log` file is nothing but these batches back to back, so a
 * strom segment is byte-compatible with a Kafka segment.
 *
 *   off  size  field
 *     0     8  baseOffset            first offset in the batch (not covered by the CRC: rewritten on append)
 *     8     4  batchLength           bytes after this field (total size - 12)
 *    12     4  partitionLeaderEpoch  not covered by the CRC; strom writes 0
 *    16     1  magic                 2
 *    17     4  crc                   CRC-32C (Castagnoli) of bytes [21, end of batch)
 *    21     2  attributes            bits 0-2 compression, 3 timestamp type (1 = LogAppendTime),
 *                                    4 transactional, 5 control, 6 delete horizon
 *    23     4  lastOffsetDelta
 *    27     8  baseTimestamp
 *    35     8  maxTimestamp
 *    43     8  producerId            -1 unless idempotent
 *    51     2  producerEpoch         -1
 *    53     4  baseSequence          -1
 *    57     4  recordsCount
 *    61     …  records
 *
 *   Record =>  length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 *              keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
 *              headersCount varint, [headerKeyLength varint, headerKey, headerValueLength varint (-1 = null), headerValue]
 *
 * Varints inside records are zig-zag signed varints (Kafka's ByteUtils.writeVarint).
 */
import {StromError} from '../errors.js'
import {ByteArena} from './byte-arena.js'
import {DecompressionError, codecName, compressRecords, decompressRecords} from './compression.js'
import {crc32c} from './crc32c.js'
import {readVarint, readVarlong, varintSize, varlongSize, writeVarint, writeVarlong} from './varint.js'

/**
 * Where each header field starts, from the start of the batch (the layout above, in one place):
 * readers and writers index with `at + BATCH.field` rather than raw numbers.
 */
export const BATCH = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
  records: 61,
} as const

/** The baseOffset and batchLength fields, which batchLength does not count (Kafka's LOG_OVERHEAD). */
export const LOG_OVERHEAD = 12
export const BATCH_HEADER_SIZE: number = BATCH.records
export const MAGIC_V2 = 2
export const ATTR_TIMESTAMP_LOG_APPEND = 0x08
const ATTR_COMPRESSION_MASK = 0x07
const ATTR_TRANSACTIONAL = 0x10
const ATTR_CONTROL = 0x20

export interface Header {
  key: string
  value: Buffer | null
}

/** A record as a producer hands it over: null and empty key/value are different things. */
export interface ProducerRecord {
  key: Buffer | null
  value: Buffer | null
  headers?: Header[]
  /** Milliseconds since the epoch; defaults to the time the batch is built. */
  timestamp?: number
}

/** A record as read back from the log. */
export interface LogRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: Header[]
}

export interface BatchHeader {
  baseOffset: number
  batchLength: number
  magic: number
  crc: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordsCount: number
}

export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4)
}

export function writeInt64(buf: Buffer, at: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000)
  buf.writeInt32BE(high, at)
  buf.writeUInt32BE(value - high * 0x1_0000_0000, at + 4)
}

export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, at),
    batchLength: buf.readInt32BE(at + BATCH.batchLength),
    magic: buf.readInt8(at + BATCH.magic),
    crc: buf.readUInt32BE(at + BATCH.crc),
    attributes: buf.readInt16BE(at + BATCH.attributes),
    lastOffsetDelta: buf.readInt32BE(at + BATCH.lastOffsetDelta),
    baseTimestamp: readInt64(buf, at + BATCH.baseTimestamp),
    maxTimestamp: readInt64(buf, at + BATCH.maxTimestamp),
    producerId: readInt64(buf, at + BATCH.producerId),
    producerEpoch: buf.readInt16BE(at + BATCH.producerEpoch),
    baseSequence: buf.readInt32BE(at + BATCH.baseSequence),
    recordsCount: buf.readInt32BE(at + BATCH.recordsCount),
  }
}

/** Total bytes of the batch starting at `at` (from its length field). */
export function batchSizeAt(buf: Buffer, at: number): number {
  return buf.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD
}

/** Rewrites the base offset in place. Outside the CRC, so the batch stays valid. */
export function setBaseOffset(batch: Buffer, baseOffset: number, at = 0): void {
  writeInt64(batch, at + BATCH.baseOffset, baseOffset)
}

export function computeBatchCrc(buf: Buffer, at: number, size: number): number {
  return crc32c(buf, at + BATCH.attributes, at + size)
}

export function isBatchCrcValid(buf: Buffer, at: number, size: number): boolean {
  return buf.readUInt32BE(at + BATCH.crc) === computeBatchCrc(buf, at, size)
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0
}

function headersSize(headers: Header[] | undefined): number {
  if (headers === undefined || headers.length === 0) return 1
  let size = varintSize(headers.length)
  for (const header of headers) {
    const keyBytes = Buffer.byteLength(header.key)
    size += varintSize(keyBytes) + keyBytes
    size += header.value === null ? 1 : varintSize(header.value.length) + header.value.length
  }
  return size
}

/**
 * Builds one uncompressed RecordBatch v2 in a growable buffer. Records are encoded as they are
 * added, so the hot path (a line from stdin becoming a record) copies the bytes once.
 *
 * A builder may live in a ByteArena (the Producer gives each partition's builder a region of one
 * arena, and reads stdin into the same arena): values from the arena's declared source then move
 * into the batch with copyWithin, with no view object per record (see byte-arena.ts). A record
 * too large for the region grows the batch into a buffer of its own; the next batch is back home.
 */
export class BatchBuilder {
  private buffer: Buffer
  private position = BATCH_HEADER_SIZE
  private count = 0
  private baseTimestamp = 0
  private maxTimestamp = -1
  private readonly timestampType: 'CreateTime' | 'LogAppendTime'
  private arena: ByteArena | undefined
  /** This builder's region of the arena, if it got one. */
  private home: Buffer | undefined
  /** Where buffer[0] is in the arena's bytes; -1 while the buffer is not the home region. */
  private bufferAt = -1

  constructor(initialCapacity = 16 * 1024, timestampType: 'CreateTime' | 'LogAppendTime' = 'CreateTime', arena?: ByteArena) {
    const capacity = Math.max(initialCapacity, 256)
    this.timestampType = timestampType
    this.arena = arena
    this.home = arena?.carve(capacity)
    if (this.home !== undefined) {
      this.buffer = this.home
      this.bufferAt = arena!.positionOf(this.home)
    } else {
      this.buffer = Buffer.allocUnsafe(capacity)
    }
  }

  get recordCount(): number {
    return this.count
  }

  /** Bytes the batch would occupy if sealed now. */
  get sizeBytes(): number {
    return this.position
  }

  /** Size a record with these lengths (-1 = null) adds to the batch (upper bound: assumes a 10-byte timestamp delta). */
  static recordSizeUpperBound(keyLength: number, valueLength: number, headers?: Header[]): number {
    return 5 + 1 + 10 + 5 + (keyLength < 0 ? 1 : smallVarintSize(keyLength) + keyLength)
      + (valueLength < 0 ? 1 : smallVarintSize(valueLength) + valueLength) + (headers === undefined ? 1 : headersSize(headers))
  }

  /**
   * Declares that `source` does not change until the next call (or until `undefined` is given), so
   * values taken from it are moved into the batch without a copy object per record. A builder of
   * its own (not in a Producer's arena) gets a private arena for this the first time.
   */
  useImmutableSource(source: Uint8Array | undefined): void {
    if (this.arena === undefined) {
      if (source === undefined) return
      this.movePrivateArena()
    }
    this.arena!.useSource(source)
  }

  /**
   * Appends a record whose key and value are slices of caller-owned buffers (null = null).
   * `timestamp` is milliseconds since the epoch.
   */
  add(key: Uint8Array | null, value: Uint8Array | null, timestamp: number, headers?: Header[]): void {
    if (value === null) this.addSlice(key, null, 0, 0, timestamp, headers)
    else this.addSlice(key, value, 0, value.length, timestamp, headers)
  }

  /**
   * Appends a record whose value is `valueSource[valueStart, valueEnd)` (a null source is a null
   * value), so a line inside a stdin chunk becomes a record without an intermediate slice object.
   */
  addSlice(key: Uint8Array | null, valueSource: Uint8Array | null, valueStart: number, valueEnd: number, timestamp: number, headers?: Header[]): void {
    const keyLength = key === null ? -1 : key.length
    const valueLength = valueSource === null ? -1 : valueEnd - valueStart
    const noHeaders = headers === undefined || headers.length === 0
    let at = this.beginRecord(timestamp, (keyLength < 0 ? 1 : smallVarintSize(keyLength) + keyLength)
      + (valueLength < 0 ? 1 : smallVarintSize(valueLength) + valueLength) + (noHeaders ? 1 : headersSize(headers)))
    const out = this.buffer
    at = writeSmallVarint(out, at, keyLength)
    if (key !== null && keyLength > 0) {
      out.set(key, at)
      at += keyLength
    }
    at = writeSmallVarint(out, at, valueLength)
    if (valueLength > 0) {
      this.copyIn(valueSource!, this.sourcePosition(valueSource!), valueStart, valueEnd, at)
      at += valueLength
    }
    if (noHeaders) {
      out[at++] = 0
    } else {
      at = writeVarint(out, at, headers!.length)
      for (const header of headers!) {
        const keyBytes = Buffer.byteLength(header.key)
        at = writeVarint(out, at, keyBytes)
        at += out.write(header.key, at)
        if (header.value === null) {
          at = writeVarint(out, at, -1)
        } else {
          at = writeVarint(out, at, header.value.length)
          out.set(header.value, at)
          at += header.value.length
        }
      }
    }
    this.endRecord(at, timestamp)
  }

  /**
   * The produce hot path: a record with no headers whose value is source[valueStart, valueEnd)
   * and whose key is source[keyStart, keyEnd) (keyStart < 0: a null key), both taken straight
   * from the source (a stdin chunk) with no slice objects.
   */
  addFromSource(source: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, timestamp: number): void {
    const keyLength = keyStart < 0 ? -1 : keyEnd - keyStart
    const valueLength = valueEnd - valueStart
    let at = this.beginRecord(timestamp, (keyLength < 0 ? 1 : smallVarintSize(keyLength) + keyLength) + smallVarintSize(valueLength) + valueLength + 1)
    const out = this.buffer
    at = writeSmallVarint(out, at, keyLength)
    const from = this.sourcePosition(source)
    if (keyLength > 0) {
      this.copyIn(source, from, keyStart, keyEnd, at)
      at += keyLength
    }
    at = writeSmallVarint(out, at, valueLength)
    if (valueLength > 0) {
      this.copyIn(source, from, valueStart, valueEnd, at)
      at += valueLength
    }
    out[at++] = 0
    this.endRecord(at, timestamp)
  }

  /**
   * Starts a record whose fields from the key length on take `restSize` bytes: the first record
   * sets the base timestamp; makes room (the buffer may change), then writes the record's length,
   * attributes, timestamp delta and offset delta. Returns where the key length goes.
   */
  private beginRecord(timestamp: number, restSize: number): number {
    const count = this.count
    if (count === 0) this.baseTimestamp = timestamp
    const timestampDelta = timestamp - this.baseTimestamp
    const shortDelta = timestampDelta >= 0 && timestampDelta < 64
    const bodySize = 1 + (shortDelta ? 1 : varlongSize(timestampDelta)) + smallVarintSize(count) + restSize
    const lengthSize = smallVarintSize(bodySize)
    if (this.position + lengthSize + bodySize > this.buffer.length) this.ensureCapacity(lengthSize + bodySize)
    const out = this.buffer
    let at = writeSmallVarint(out, this.position, bodySize)
    out[at++] = 0
    if (shortDelta) out[at++] = timestampDelta << 1
    else at = writeVarlong(out, at, timestampDelta)
    return writeSmallVarint(out, at, count)
  }

  /** Ends the record beginRecord started; `end` is just past its last byte. */
  private endRecord(end: number, timestamp: number): void {
    this.position = end
    this.count++
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp
  }

  /** Where source[0] is in the arena when a copy from it into the buffer can stay inside the arena; else -1. */
  private sourcePosition(source: Uint8Array): number {
    return this.bufferAt >= 0 ? this.arena!.locate(source) : -1
  }

  /** Copies source[start, end) to buffer[at...]; `from` is sourcePosition(source). */
  private copyIn(source: Uint8Array, from: number, start: number, end: number, at: number): void {
    if (from >= 0) {
      const bytes = this.arena!.bytes
      const to = this.bufferAt + at
      if (end - start <= SHORT_COPY_BYTES) {
        // A short key or value: a loop beats the call into copyWithin.
        for (let i = start; i < end; i++) bytes[to + i - start] = bytes[from + i]
      } else {
        bytes.copyWithin(to, from + start, from + end)
      }
    } else if (Buffer.isBuffer(source)) {
      source.copy(this.buffer, at, start, end)
    } else {
      this.buffer.set(source.subarray(start, end), at)
    }
  }

  /**
   * Writes the header and CRC and returns the batch bytes (a view of the internal buffer, valid
   * until the builder is reset). The base offset is 0; the partition writer stamps the real one.
   */
  seal(): Buffer {
    const buf = this.buffer
    writeInt64(buf, BATCH.baseOffset, 0)
    buf.writeInt32BE(this.position - LOG_OVERHEAD, BATCH.batchLength)
    buf.writeInt32BE(0, BATCH.partitionLeaderEpoch)
    buf.writeInt8(MAGIC_V2, BATCH.magic)
    const logAppend = this.timestampType === 'LogAppendTime'
    buf.writeInt16BE(logAppend ? ATTR_TIMESTAMP_LOG_APPEND : 0, BATCH.attributes)
    buf.writeInt32BE(this.count - 1, BATCH.lastOffsetDelta)
    writeInt64(buf, BATCH.baseTimestamp, this.baseTimestamp)
    writeInt64(buf, BATCH.maxTimestamp, this.maxTimestamp)
    writeInt64(buf, BATCH.producerId, -1)
    buf.writeInt16BE(-1, BATCH.producerEpoch)
    buf.writeInt32BE(-1, BATCH.baseSequence)
    buf.writeInt32BE(this.count, BATCH.recordsCount)
    buf.writeUInt32BE(crc32c(buf, BATCH.attributes, this.position), BATCH.crc)
    return buf.subarray(0, this.position)
  }

  reset(): void {
    this.position = BATCH_HEADER_SIZE
    this.count = 0
    this.maxTimestamp = -1
    if (this.home !== undefined && this.buffer !== this.home) {
      this.buffer = this.home
      this.bufferAt = this.arena!.positionOf(this.home)
    }
  }

  private ensureCapacity(extra: number): void {
    if (this.position + extra <= this.buffer.length) return
    this.grow(Math.max(this.buffer.length * 2, this.position + extra))
  }

  /** Past the home region the batch continues in a buffer of its own (values are copied then). */
  private grow(capacity: number): void {
    const grown = Buffer.allocUnsafe(capacity)
    this.buffer.copy(grown, 0, 0, this.position)
    this.buffer = grown
    this.bufferAt = -1
  }

  /** A builder of its own that is given an immutable source moves into an arena of its own. */
  private movePrivateArena(): void {
    const capacity = Math.max(this.buffer.length, PRIVATE_HOME_BYTES)
    const arena = new ByteArena(capacity)
    const home = arena.carve(capacity)!
    this.buffer.copy(home, 0, 0, this.position)
    this.arena = arena
    this.home = home
    this.buffer = home
    this.bufferAt = arena.positionOf(home)
  }
}

// Keys and values up to this many bytes are copied with a loop instead of a call to copyWithin.
const SHORT_COPY_BYTES = 16
// The home region of a lone builder given an immutable source.
const PRIVATE_HOME_BYTES = 256 * 1024

/** Bytes of the zig-zag varint of v, with the common cases (-1 for null, v < 64, v < 8192) inline. */
function smallVarintSize(v: number): number {
  return v >= -1 && v < 64 ? 1 : v >= 0 && v < 8192 ? 2 : varintSize(v)
}

/** Writes the zig-zag varint of v at `at` and returns the position after it. */
function writeSmallVarint(out: Uint8Array, at: number, v: number): number {
  if (v >= 0 && v < 64) {
    out[at] = v << 1
    return at + 1
  }
  if (v === -1) {
    // A null key or value: zig-zag(-1) = 1.
    out[at] = 1
    return at + 1
  }
  if (v >= 0 && v < 8192) {
    out[at] = ((v << 1) & 0x7f) | 0x80
    out[at + 1] = v >>> 6
    return at + 2
  }
  return writeVarint(out, at, v)
}

/**
 * The same batch with its records section compressed by `codec` (1 gzip, 2 snappy, 3 lz4, 4 zstd):
 * the header is kept, the attributes get the codec (bits 0-2), the length and CRC are rewritten.
 * `batch` is an uncompressed batch (a sealed builder's bytes); codec 0 returns it as it is.
 */
export function compressBatch(batch: Buffer, codec: number): Buffer {
  if (codec === 0) return batch
  const compressed = compressRecords(codec, batch.subarray(BATCH_HEADER_SIZE))
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length)
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE)
  compressed.copy(out, BATCH_HEADER_SIZE)
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH.batchLength)
  out.writeInt16BE((batch.readInt16BE(BATCH.attributes) & ~ATTR_COMPRESSION_MASK) | codec, BATCH.attributes)
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), BATCH.crc)
  return out
}

/**
 * Marks a sealed batch as an idempotent producer's: producerId (offset 43), producerEpoch (51) and
 * baseSequence (53) are written, attribute bit 4 set when the batch belongs to a transaction, and
 * bit 5 with `control` (a transaction marker), and the CRC (which covers attributes to the end) recomputed. In place; works on compressed batches
 * too, as the records section is not touched.
 */
export function stampProducer(batch: Buffer, producer: {producerId: number; producerEpoch: number; baseSequence: number; transactional: boolean; control?: boolean}): Buffer {
  writeInt64(batch, BATCH.producerId, producer.producerId)
  batch.writeInt16BE(producer.producerEpoch, BATCH.producerEpoch)
  batch.writeInt32BE(producer.baseSequence, BATCH.baseSequence)
  let attributes = batch.readInt16BE(BATCH.attributes)
  attributes = producer.transactional ? attributes | ATTR_TRANSACTIONAL : attributes & ~ATTR_TRANSACTIONAL
  if (producer.control) attributes |= ATTR_CONTROL
  batch.writeInt16BE(attributes, BATCH.attributes)
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), BATCH.crc)
  return batch
}

/** Bit 4 of the attributes: the batch belongs to a transaction. */
export function isTransactionalBatch(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0
}

/** The types of control records (Kafka's ControlRecordType): the end markers of a transaction. */
export const CONTROL_ABORT = 0
export const CONTROL_COMMIT = 1

/**
 * The type of the control batch at `at` (CONTROL_ABORT, CONTROL_COMMIT, or another Kafka control
 * type), -1 when it cannot be read. A control batch holds one uncompressed record whose key is
 * (version int16, type int16):
 *   record => length varint, attributes int8, timestampDelta varlong, offsetDelta varint, keyLength varint, key
 */
export function controlRecordType(buf: Buffer, at = 0): number {
  const size = batchSizeAt(buf, at)
  if ((buf.readInt16BE(at + BATCH.attributes) & ATTR_COMPRESSION_MASK) !== 0 || buf.readInt32BE(at + BATCH.recordsCount) < 1) return -1
  const pos = {o: at + BATCH.records}
  readVarint(buf, pos) // length
  pos.o++ // attributes
  readVarlong(buf, pos) // timestampDelta
  readVarint(buf, pos) // offsetDelta
  const keyLength = readVarint(buf, pos)
  if (keyLength < 4 || pos.o + 4 > at + size) return -1
  return buf.readInt16BE(pos.o + 2)
}

/** Encodes a whole batch from records; convenient for tests and the library API. */
export function encodeBatch(records: ProducerRecord[], options: {baseOffset?: number; now?: number; timestampType?: 'CreateTime' | 'LogAppendTime'; compression?: number} = {}): Buffer {
  const builder = new BatchBuilder(1024, options.timestampType)
  const now = options.now ?? Date.now()
  for (const record of records) builder.add(record.key, record.value, record.timestamp ?? now, record.headers)
  const sealed = compressBatch(Buffer.from(builder.seal()), options.compression ?? 0)
  if (options.baseOffset !== undefined) setBaseOffset(sealed, options.baseOffset)
  return sealed
}

/**
 * A reusable cursor over the records of one batch. Fields describe the current record; key and
 * value are given as positions into `data` so the consumer's hot path can format without copying.
 */
export class RecordCursor {
  data: Buffer = Buffer.alloc(0)
  offset = 0
  timestamp = 0
  keyStart = 0
  /** -1 for a null key. */
  keyLength = -1
  valueStart = 0
  /** -1 for a null value. */
  valueLength = -1
  headerCount = 0
  /** Where the current record's bytes (its length varint first) start and end in `data`. */
  recordStart = 0
  recordEnd = 0
  private headersStart = 0
  private position = 0
  private end = 0
  private remaining = 0
  private firstPosition = 0
  private recordCount = 0
  private baseOffset = 0
  private baseTimestamp = 0
  private logAppendTime = false
  private maxTimestamp = 0
  /**
   * The most bytes a compressed batch's records may decompress to: past it the batch is refused as
   * damaged rather than decoded (see DEFAULT_MAX_DECOMPRESSED_BYTES).
   */
  maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BYTES

  /** The codec of the batch the cursor is on (attributes & 7: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  codec = 0

  /** Points the cursor at the batch that starts at `at` in `buf` (the whole batch must be in `buf`). */
  reset(buf: Buffer, at: number): void {
    const size = batchSizeAt(buf, at)
    const attributes = buf.readInt16BE(at + BATCH.attributes)
    this.baseOffset = readInt64(buf, at)
    this.baseTimestamp = readInt64(buf, at + BATCH.baseTimestamp)
    this.maxTimestamp = readInt64(buf, at + BATCH.maxTimestamp)
    this.logAppendTime = (attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0
    this.remaining = isControlBatch(attributes) ? 0 : buf.readInt32BE(at + BATCH.recordsCount)
    const compression = attributes & ATTR_COMPRESSION_MASK
    this.codec = compression
    if (compression === 0) {
      this.data = buf
      this.position = at + BATCH_HEADER_SIZE
      this.end = at + size
    } else {
      this.data = decompress(compression, buf.subarray(at + BATCH_HEADER_SIZE, at + size), this.maxDecompressedBytes, this.baseOffset)
      this.position = 0
      this.end = this.data.length
    }
    this.firstPosition = this.position
    this.recordCount = this.remaining
  }

  /** Back to before the batch's first record, without decoding (or decompressing) the batch again. */
  rewind(): void {
    this.position = this.firstPosition
    this.remaining = this.recordCount
  }

  /** Advances to the next record; false at the end of the batch. */
  next(): boolean {
    if (this.remaining <= 0 || this.position >= this.end) return false
    const buf = this.data
    // Varints of one or two bytes (all but huge lengths and deltas) are decoded inline, see varintAt.
    this.recordStart = this.position
    const length = varintAt(buf, this.position)
    let o = varintEnd
    const recordEnd = o + length
    this.recordEnd = recordEnd
    o++ // attributes
    const timestampDelta = varlongAt(buf, o)
    const offsetDelta = varintAt(buf, varintEnd)
    const keyLength = varintAt(buf, varintEnd)
    o = varintEnd
    this.keyLength = keyLength
    this.keyStart = o
    if (keyLength > 0) o += keyLength
    const valueLength = varintAt(buf, o)
    o = varintEnd
    this.valueLength = valueLength
    this.valueStart = o
    if (valueLength > 0) o += valueLength
    this.headerCount = varintAt(buf, o)
    this.headersStart = varintEnd
    this.offset = this.baseOffset + offsetDelta
    this.timestamp = this.logAppendTime ? this.maxTimestamp : this.baseTimestamp + timestampDelta
    this.position = recordEnd
    this.remaining--
    return true
  }

  key(): Buffer | null {
    return this.keyLength < 0 ? null : this.data.subarray(this.keyStart, this.keyStart + this.keyLength)
  }

  value(): Buffer | null {
    return this.valueLength < 0 ? null : this.data.subarray(this.valueStart, this.valueStart + this.valueLength)
  }

  headers(): Header[] {
    const headers: Header[] = []
    if (this.headerCount <= 0) return headers
    const buf = this.data
    const pos = {o: this.headersStart}
    for (let i = 0; i < this.headerCount; i++) {
      const keyLength = readVarint(buf, pos)
      const key = buf.toString('utf8', pos.o, pos.o + keyLength)
      pos.o += keyLength
      const valueLength = readVarint(buf, pos)
      let value: Buffer | null = null
      if (valueLength >= 0) {
        value = buf.subarray(pos.o, pos.o + valueLength)
        pos.o += valueLength
      }
      headers.push({key, value})
    }
    return headers
  }

  toRecord(): LogRecord {
    const copy = (b: Buffer | null) => (b === null ? null : Buffer.from(b))
    return {
      offset: this.offset,
      timestamp: this.timestamp,
      key: copy(this.key()),
      value: copy(this.value()),
      headers: this.headers().map((h) => ({key: h.key, value: copy(h.value)})),
    }
  }
}

/**
 * Where the varint read by varintAt / varlongAt ended: a second return value without an object
 * (RecordCursor.next reads six varints per record, a million times a second).
 */
let varintEnd = 0
const varintPosition = {o: 0}

/** The zig-zag varint at `at`; one and two bytes inline, longer ones through readVarint. */
function varintAt(buf: Uint8Array, at: number): number {
  const b0 = buf[at]
  if (b0 < 0x80) {
    varintEnd = at + 1
    return (b0 >>> 1) ^ -(b0 & 1)
  }
  const b1 = buf[at + 1]
  if (b1 < 0x80) {
    const raw = (b0 & 0x7f) | (b1 << 7)
    varintEnd = at + 2
    return (raw >>> 1) ^ -(raw & 1)
  }
  varintPosition.o = at
  const value = readVarint(buf, varintPosition)
  varintEnd = varintPosition.o
  return value
}

/** The zig-zag varlong at `at` (up to 64 bits, as a double); short ones as in varintAt. */
function varlongAt(buf: Uint8Array, at: number): number {
  // One or two bytes encode the same value as a varint or a varlong.
  if (buf[at] < 0x80 || buf[at + 1] < 0x80) return varintAt(buf, at)
  varintPosition.o = at
  const value = readVarlong(buf, varintPosition)
  varintEnd = varintPosition.o
  return value
}

/**
 * What a reader lets one compressed batch decompress to: 64 times Kafka's default max.message.bytes.
 * strom's producer and serve keep a batch's records within the topic's max.message.bytes, so a
 * batch past this came from elsewhere or is damaged; the bound keeps a hostile one from taking
 * gigabytes. Readers that know better set RecordCursor.maxDecompressedBytes.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

function decompress(codec: number, payload: Buffer, maxBytes: number, baseOffset: number): Buffer {
  try {
    return decompressRecords(codec, payload, maxBytes)
  } catch (error) {
    if (!(error instanceof DecompressionError)) throw error
    throw new StromError('CORRUPT_SEGMENT', `the ${codecName(codec)}-compressed batch at offset ${baseOffset} cannot be read: ${error.message}`, {
      hint: 'check the log with `strom log verify`; a batch larger than the limit is read with the library API by raising RecordCursor.maxDecompressedBytes',
    })
  }
}

/** Decodes every record of one batch (copies); for tests, tools and the library API. */
export function decodeBatch(buf: Buffer, at = 0): {header: BatchHeader; records: LogRecord[]} {
  const header = readBatchHeader(buf, at)
  const cursor = new RecordCursor()
  cursor.reset(buf, at)
  const records: LogRecord[] = []
  while (cursor.next()) records.push(cursor.toRecord())
  return {header, records}
}
