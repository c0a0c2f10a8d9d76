/**
 * Checks a RecordBatch that a client sent before it goes into the log, as Kafka's LogValidator
 * does: the header (size, magic 2, CRC-32C), no control batches, a producer id on transactional
 * ones, a known codec (none, gzip, snappy, lz4, zstd; zstd only from Produce v7), and every record well formed with offset
 * deltas 0..n-1 matching the header, plus keys on compacted topics. Compressed records are
 * decompressed to be checked, bounded by the topic's max.message.bytes (a batch whose records
 * decompress to more is refused: readers would refuse it too, and a hostile batch of a few bytes
 * must not make the server allocate gigabytes). A batch that passes is appended byte for byte,
 * compressed as it came; anything else would be a batch `strom consume` or `log verify` rejects.
 */
import {CODEC_ZSTD, DecompressionError, codecName, decompressRecords} from '../core/format/compression.js'
import {BATCH, BATCH_HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2, isBatchCrcValid, readInt64} from '../core/format/record-batch.js'
import {ERR} from './protocol/error-codes.js'

export interface BatchProblem {
  errorCode: number
  message: string
}

/** Splits `records` into batches; returns their [start, end) spans or the first problem. */
export function splitBatches(records: Buffer): Array<[number, number]> | BatchProblem {
  const spans: Array<[number, number]> = []
  let at = 0
  if (records.length === 0) return {errorCode: ERR.CORRUPT_MESSAGE, message: 'no record batch in the request'}
  while (at < records.length) {
    if (records.length - at < BATCH_HEADER_SIZE) return {errorCode: ERR.CORRUPT_MESSAGE, message: `${records.length - at} bytes are too short for a batch header`}
    const size = records.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD
    if (size < BATCH_HEADER_SIZE || at + size > records.length) return {errorCode: ERR.CORRUPT_MESSAGE, message: `batch length ${size - LOG_OVERHEAD} does not fit the request`}
    spans.push([at, at + size])
    at += size
  }
  return spans
}

/** Produce v7 is the first version that may carry zstd batches (KIP-110): older clients cannot read them back. */
export const FIRST_ZSTD_PRODUCE_VERSION = 7

export function validateBatch(buf: Buffer, start: number, end: number, requireKeys: boolean, maxDecompressedBytes: number, produceVersion: number): BatchProblem | undefined {
  const magic = buf.readInt8(start + BATCH.magic)
  if (magic !== MAGIC_V2) return {errorCode: ERR.UNSUPPORTED_FOR_MESSAGE_FORMAT, message: `message format v${magic} (only v2 record batches are stored)`}
  if (!isBatchCrcValid(buf, start, end - start)) return {errorCode: ERR.CORRUPT_MESSAGE, message: 'CRC-32C mismatch'}
  const attributes = buf.readInt16BE(start + BATCH.attributes)
  // Control batches (transaction markers) are the coordinator's to write, never a client's.
  if ((attributes & 0x20) !== 0) return {errorCode: ERR.INVALID_RECORD, message: 'control batches are written by the transaction coordinator, not produced'}
  if ((attributes & 0x10) !== 0 && readInt64(buf, start + BATCH.producerId) < 0) return {errorCode: ERR.INVALID_RECORD, message: 'a transactional batch without a producer id'}
  const compression = attributes & 0x07
  if (compression > 4) return {errorCode: ERR.UNSUPPORTED_COMPRESSION_TYPE, message: `compression codec ${compression} (Kafka's are 0-4: none, gzip, snappy, lz4, zstd)`}
  if (compression === CODEC_ZSTD && produceVersion < FIRST_ZSTD_PRODUCE_VERSION) {
    return {errorCode: ERR.UNSUPPORTED_COMPRESSION_TYPE, message: `zstd batch in Produce v${produceVersion} (zstd needs v${FIRST_ZSTD_PRODUCE_VERSION} or later, as in Kafka)`}
  }
  const count = buf.readInt32BE(start + BATCH.recordsCount)
  const lastOffsetDelta = buf.readInt32BE(start + BATCH.lastOffsetDelta)
  if (count <= 0 || lastOffsetDelta !== count - 1) return {errorCode: ERR.INVALID_RECORD, message: `inconsistent batch: ${count} records, last offset delta ${lastOffsetDelta}`}
  if (readInt64(buf, start + BATCH.producerId) < -1) return {errorCode: ERR.INVALID_RECORD, message: 'negative producer id'}
  let records = buf
  let from = start + BATCH_HEADER_SIZE
  let to = end
  if (compression !== 0) {
    try {
      records = decompressRecords(compression, buf.subarray(from, to), maxDecompressedBytes)
    } catch (error) {
      if (!(error instanceof DecompressionError)) throw error
      const tooLarge = /decompresses to more than/.test(error.message)
      return {errorCode: tooLarge ? ERR.MESSAGE_TOO_LARGE : ERR.CORRUPT_MESSAGE, message: tooLarge ? `${error.message} (max.message.bytes)` : `${codecName(compression)} records: ${error.message}`}
    }
    from = 0
    to = records.length
  }
  return validateRecords(records, from, to, count, requireKeys)
}

/**
 * Walks every record of the batch, as Kafka's LogValidator does (it iterates the records of an
 * uncompressed batch too): lengths, offset deltas 0..n-1, keys, header counts. Record layout:
 * length varint, attributes int8, timestamp delta varlong, offset delta varint, key length varint
 * + key, value length varint + value, header count varint, then per header key length varint + key
 * and value length varint + value. This runs once per produced record, so it reads varints inline
 * with a one-byte fast path and keeps its position in locals rather than an object per field.
 */
function validateRecords(buf: Buffer, from: number, to: number, count: number, requireKeys: boolean): BatchProblem | undefined {
  const walk = new FieldWalk(buf, from, to)
  try {
    for (let i = 0; i < count; i++) {
      const length = walk.varint()
      const recordEnd = walk.at + length
      if (length < 0 || recordEnd > to) throw new Error('record length runs past the batch')
      walk.end = recordEnd
      walk.skip(1)
      walk.skipVarlong()
      if (walk.varint() !== i) throw new Error(`record ${i} has a wrong offset delta`)
      const keyLength = walk.varint()
      if (keyLength < 0 && requireKeys) return {errorCode: ERR.INVALID_RECORD, message: 'compacted topics require a key on every record'}
      if (keyLength > 0) walk.skip(keyLength)
      const valueLength = walk.varint()
      if (valueLength > 0) walk.skip(valueLength)
      const headers = walk.varint()
      if (headers < 0) throw new Error('negative header count')
      for (let h = 0; h < headers; h++) {
        const headerKey = walk.varint()
        if (headerKey < 0) throw new Error('null header key')
        walk.skip(headerKey)
        const headerValue = walk.varint()
        if (headerValue > 0) walk.skip(headerValue)
      }
      if (walk.at !== recordEnd) throw new Error(`record ${i} length does not match its fields`)
      walk.end = to
    }
    if (walk.at !== to) throw new Error('bytes after the last record')
  } catch (error) {
    return {errorCode: ERR.CORRUPT_MESSAGE, message: (error as Error).message}
  }
  return undefined
}

/** A bounds-checked position in buf[at, end): `end` is the current record's end while inside one. */
class FieldWalk {
  constructor(private readonly buf: Buffer, public at: number, public end: number) {}

  skip(bytes: number): void {
    if (this.at + bytes > this.end) throw new Error('record field runs past its end')
    this.at += bytes
  }

  /** A zig-zag varint of at most 5 bytes; one-byte values (most lengths and deltas) take the short path. */
  varint(): number {
    const buf = this.buf
    let at = this.at
    if (at >= this.end) throw new Error('varint runs past the record')
    let byte = buf[at++]
    if (byte < 0x80) {
      this.at = at
      return (byte >>> 1) ^ -(byte & 1)
    }
    // Up to 35 bits: multiplication keeps them exact where 32-bit shifts would not.
    let raw = byte & 0x7f
    let scale = 0x80
    for (let i = 1; i < 5; i++) {
      if (at >= this.end) throw new Error('varint runs past the record')
      byte = buf[at++]
      raw += (byte & 0x7f) * scale
      if (byte < 0x80) {
        this.at = at
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
      }
      scale *= 0x80
    }
    throw new Error('varint too long')
  }

  /** Steps over a varlong (at most 10 bytes); its value is not checked, only its bounds. */
  skipVarlong(): void {
    const buf = this.buf
    let at = this.at
    for (let i = 0; i < 10; i++) {
      if (at >= this.end) throw new Error('varint runs past the record')
      if (buf[at++] < 0x80) {
        this.at = at
        return
      }
    }
    throw new Error('varint too long')
  }
}
