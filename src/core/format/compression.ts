/**
 * The codecs of a RecordBatch v2's records section (attributes bits 0-2), with the byte layouts
 * Kafka clients write. Only the records (from offset 61 of the batch on) are compressed; the
 * header stays plain, and the CRC covers the compressed bytes.
 *
 *   1 gzip    a gzip stream (RFC 1952), node:zlib.
 *   2 snappy  either a raw snappy block (librdkafka, kafka-python) or snappy-java's "xerial"
 *             framing, which the Java client writes and strom writes too:
 *               magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, version int32 (1), compatible int32 (1),
 *               then [length int32, raw snappy block of at most 32 KiB uncompressed]*
 *             (all big-endian). A raw snappy block starts with its uncompressed length as a varint.
 *   3 lz4     an LZ4 frame (KIP-57): magic 0x184D2204 (LE), FLG, BD, [content size u64 LE],
 *             [dict id u32], HC = (xxh32(FLG..before HC) >> 8) & 0xFF, then blocks
 *             [size u32 LE (high bit: stored uncompressed; 0: end mark), data, [xxh32]]*,
 *             [content xxh32]. Readers take blocks that refer back into earlier ones (FLG bit 5
 *             clear); strom writes what Kafka's Java client writes and Kafka's broker and Java
 *             consumer require ("Dependent block stream is unsupported" otherwise): FLG 0x60
 *             (version 1, independent blocks, no checksums), BD 0x40 (64 KiB blocks).
 *   4 zstd    a zstd frame (RFC 8878).
 *
 * Decoding is bounded: output beyond `maxBytes` stops the decoder with a DecompressionError
 * (a hostile batch of a few bytes cannot make strom allocate gigabytes).
 *
 * Libraries (all loaded on first use, so a process that never meets a codec never parses it):
 * snappyjs (raw snappy blocks), LZ4 blocks in lz4-block.ts (decoding is below, bounds-checked),
 * zstd through node:zlib where Node has it (>= 22.15), else fzstd (decoding) and
 * @bokuweb/zstd-wasm (encoding; zstd's C compiled to WebAssembly).
 */
import {createRequire} from 'node:module'
import {lz4BlockBound, lz4CompressBlock} from './lz4-block.js'

export const CODEC_NONE = 0
export const CODEC_GZIP = 1
export const CODEC_SNAPPY = 2
export const CODEC_LZ4 = 3
export const CODEC_ZSTD = 4
export const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
export type CodecName = typeof CODEC_NAMES[number]

/** The name of a codec id (attributes & 7), or `codec N` for the unassigned 5-7. */
export function codecName(codec: number): string {
  return CODEC_NAMES[codec] ?? `codec ${codec}`
}

/** The id of a codec name ('none', 'gzip', ...), or undefined. */
export function codecId(name: string): number | undefined {
  const id = (CODEC_NAMES as readonly string[]).indexOf(name)
  return id < 0 ? undefined : id
}

/** A compressed records section that does not decode, or decodes to more than allowed. */
export class DecompressionError extends Error {}

const require = createRequire(import.meta.url)
let zlib: typeof import('node:zlib') | undefined
const nodeZlib = () => (zlib ??= require('node:zlib') as typeof import('node:zlib'))

interface SnappyJs {
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array
  compress(data: Uint8Array): Uint8Array
}
let snappyjs: SnappyJs | undefined
const snappy = () => (snappyjs ??= require('snappyjs') as SnappyJs)


interface ZlibZstd {
  zstdCompressSync(data: Uint8Array, options?: object): Buffer
  zstdDecompressSync(data: Uint8Array, options?: {maxOutputLength?: number}): Buffer
}
/** node:zlib's zstd (Node >= 22.15 and 23.8), or undefined on older Nodes. */
function zlibZstd(): ZlibZstd | undefined {
  const z = nodeZlib() as unknown as Partial<ZlibZstd>
  return typeof z.zstdDecompressSync === 'function' && typeof z.zstdCompressSync === 'function' ? z as ZlibZstd : undefined
}

interface ZstdWasm {
  compress(data: Uint8Array, level?: number): Uint8Array
}
let zstdWasm: ZstdWasm | undefined
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => {exports: object}
}

/**
 * @bokuweb/zstd-wasm, instantiated synchronously so that compressRecords can stay synchronous (the
 * package's own init() is asynchronous): its Emscripten module takes an `instantiateWasm` hook, which
 * compiles zstd.wasm (~66 ms, once per process) with the synchronous WebAssembly API. The module
 * and the .wasm are files of the package's pinned version, found next to its entry point.
 */
function loadZstdWasm(): ZstdWasm {
  if (zstdWasm !== undefined) return zstdWasm
  const path = require('node:path') as typeof import('node:path')
  const fs = require('node:fs') as typeof import('node:fs')
  const dir = path.dirname(require.resolve('@bokuweb/zstd-wasm'))
  const emscripten = (require(path.join(dir, 'module.js')) as {Module: Record<string, unknown> & {init(): void}}).Module
  let ready = false
  emscripten.onRuntimeInitialized = () => {
    ready = true
  }
  // Node has WebAssembly; the TypeScript libs this project compiles with do not declare it.
  const wasm = (globalThis as unknown as {WebAssembly: WasmApi}).WebAssembly
  emscripten.instantiateWasm = (imports: object, receive: (instance: {exports: object}) => void) => {
    const instance = new wasm.Instance(new wasm.Module(fs.readFileSync(path.join(dir, 'zstd.wasm'))), imports)
    receive(instance)
    return instance.exports
  }
  emscripten.init()
  if (!ready) throw new Error('the zstd WebAssembly module did not initialise synchronously')
  zstdWasm = require('@bokuweb/zstd-wasm') as ZstdWasm
  return zstdWasm
}

/** Compresses a records section with `codec` (its library is loaded on first use). */
export function compressRecords(codec: number, records: Uint8Array): Buffer {
  switch (codec) {
    case CODEC_NONE: return Buffer.from(records)
    case CODEC_GZIP: return nodeZlib().gzipSync(records)
    case CODEC_SNAPPY: return xerialSnappy(records)
    case CODEC_LZ4: return lz4Frame(records)
    case CODEC_ZSTD: {
      const z = zlibZstd()
      if (z !== undefined) return z.zstdCompressSync(records, {pledgedSrcSize: records.length})
      return toBuffer(loadZstdWasm().compress(records, 3))
    }
    default: throw new Error(`unknown compression codec ${codec}`)
  }
}

/** Decompresses a records section; throws DecompressionError if it is damaged or larger than maxBytes. */
export function decompressRecords(codec: number, payload: Buffer, maxBytes: number): Buffer {
  try {
    switch (codec) {
      case CODEC_GZIP: return nodeZlib().gunzipSync(payload, {maxOutputLength: maxBytes})
      case CODEC_SNAPPY: return unsnappy(payload, maxBytes)
      case CODEC_LZ4: return lz4DecodeFrame(payload, maxBytes)
      case CODEC_ZSTD: {
        const z = zlibZstd()
        if (z === undefined) return fzstdDecode(payload, maxBytes)
        // The same header check as without zlib: a frame that declares more than the limit is
        // refused as too large before zlib sizes its window for it.
        checkZstdFrameHeader(payload, maxBytes)
        return z.zstdDecompressSync(payload, {maxOutputLength: maxBytes})
      }
      default: throw new DecompressionError(`${codecName(codec)} is not a compression codec`)
    }
  } catch (error) {
    if (error instanceof DecompressionError) throw error
    const tooLarge = (error as {code?: string}).code === 'ERR_BUFFER_TOO_LARGE'
    throw new DecompressionError(tooLarge
      ? `${codecName(codec)} data decompresses to more than ${maxBytes} bytes`
      : `${codecName(codec)} data does not decompress (${(error as Error).message})`)
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function tooLarge(codec: string, maxBytes: number): DecompressionError {
  return new DecompressionError(`${codec} data decompresses to more than ${maxBytes} bytes`)
}

// ---- snappy ----

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER_SIZE = 16
// snappy-java's SnappyOutputStream default block, which Kafka's producer uses.
const XERIAL_BLOCK_SIZE = 32 * 1024

function xerialSnappy(records: Uint8Array): Buffer {
  const s = snappy()
  const parts: Buffer[] = [XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]
  for (let at = 0; at < records.length; at += XERIAL_BLOCK_SIZE) {
    const block = toBuffer(s.compress(records.subarray(at, Math.min(at + XERIAL_BLOCK_SIZE, records.length))))
    const length = Buffer.allocUnsafe(4)
    length.writeInt32BE(block.length)
    parts.push(length, block)
  }
  return Buffer.concat(parts)
}

function unsnappy(payload: Buffer, maxBytes: number): Buffer {
  const s = snappy()
  const xerial = payload.length >= XERIAL_HEADER_SIZE && payload.subarray(0, 8).equals(XERIAL_MAGIC)
  if (!xerial) return snappyBlock(s, payload, maxBytes, maxBytes)
  const blocks: Buffer[] = []
  let total = 0
  let at = XERIAL_HEADER_SIZE
  while (at < payload.length) {
    if (at + 4 > payload.length) throw new DecompressionError('snappy (xerial) block length runs past the data')
    const length = payload.readInt32BE(at)
    at += 4
    if (length < 0 || at + length > payload.length) throw new DecompressionError('snappy (xerial) block runs past the data')
    const block = snappyBlock(s, payload.subarray(at, at + length), maxBytes - total, maxBytes)
    total += block.length
    blocks.push(block)
    at += length
  }
  return blocks.length === 1 ? blocks[0] : Buffer.concat(blocks, total)
}

/** One raw snappy block of at most `room` bytes (`maxBytes` is the limit of the whole section, for the message). */
function snappyBlock(s: SnappyJs, block: Buffer, room: number, maxBytes: number): Buffer {
  // snappyjs reads the block's declared length first and refuses one past `room` before allocating.
  try {
    return toBuffer(s.uncompress(block, room))
  } catch (error) {
    if (/too big/.test((error as Error).message)) throw tooLarge('snappy', maxBytes)
    throw error
  }
}

// ---- lz4 ----

const LZ4_MAGIC = 0x184d2204
// Version 1, block independence; BD: 64 KiB blocks (Kafka's Lz4BlockOutputStream default).
const LZ4_FLG = 0x60
const LZ4_BD = 0x40
const LZ4_BLOCK_SIZE = 64 * 1024
let lz4HashTable: Int32Array | undefined
let lz4Scratch: Buffer | undefined

/** An LZ4 frame of independent 64 KiB blocks (layout above); a block that does not shrink is stored. */
function lz4Frame(records: Uint8Array): Buffer {
  const table = (lz4HashTable ??= new Int32Array(1 << 16))
  const scratch = (lz4Scratch ??= Buffer.allocUnsafe(lz4BlockBound(LZ4_BLOCK_SIZE)))
  const blocks = Math.ceil(records.length / LZ4_BLOCK_SIZE)
  // Header, then at worst every block stored (size word + bytes), then the end mark.
  const out = Buffer.allocUnsafe(7 + records.length + 4 * blocks + 4)
  out.writeUInt32LE(LZ4_MAGIC, 0)
  out[4] = LZ4_FLG
  out[5] = LZ4_BD
  out[6] = (xxh32(out, 4, 6) >>> 8) & 0xff
  let o = 7
  for (let at = 0; at < records.length; at += LZ4_BLOCK_SIZE) {
    const length = Math.min(LZ4_BLOCK_SIZE, records.length - at)
    const compressed = lz4CompressBlock(records, at, at + length, scratch, 0, table)
    if (compressed < length) {
      out.writeUInt32LE(compressed, o)
      out.set(scratch.subarray(0, compressed), o + 4)
      o += 4 + compressed
    } else {
      out.writeUInt32LE((0x80000000 | length) >>> 0, o)
      out.set(records.subarray(at, at + length), o + 4)
      o += 4 + length
    }
  }
  out.writeUInt32LE(0, o)
  return out.subarray(0, o + 4)
}

/** Decodes one LZ4 frame (layout above); every read and write is bounds-checked. */
export function lz4DecodeFrame(src: Buffer, maxBytes: number): Buffer {
  if (src.length < 7 || src.readUInt32LE(0) !== LZ4_MAGIC) throw new DecompressionError('lz4 data is not an LZ4 frame (bad magic)')
  const flg = src[4]
  if ((flg >> 6) !== 1) throw new DecompressionError(`lz4 frame version ${flg >> 6} (expected 1)`)
  const blockChecksums = (flg & 0x10) !== 0
  const contentSizeFlag = (flg & 0x08) !== 0
  const contentChecksum = (flg & 0x04) !== 0
  let at = 6
  let contentSize = -1
  if (contentSizeFlag) {
    if (src.length < at + 8) throw new DecompressionError('lz4 frame header is cut short')
    contentSize = src.readUInt32LE(at) + src.readUInt32LE(at + 4) * 0x1_0000_0000
    at += 8
  }
  if ((flg & 0x01) !== 0) at += 4
  if (src.length < at + 1) throw new DecompressionError('lz4 frame header is cut short')
  // KIP-57: the checksum covers the descriptor (FLG to before HC), not the magic.
  const hc = (xxh32(src, 4, at) >>> 8) & 0xff
  if (src[at] !== hc) throw new DecompressionError('lz4 frame header checksum mismatch')
  at++
  if (contentSize > maxBytes) throw tooLarge('lz4', maxBytes)
  let out = Buffer.allocUnsafe(Math.min(maxBytes, contentSize >= 0 ? contentSize : Math.max(src.length * 4, 1024)))
  let o = 0
  const room = (needed: number): void => {
    if (needed <= out.length) return
    if (needed > maxBytes) throw tooLarge('lz4', maxBytes)
    const grown = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(needed, out.length * 2)))
    out.copy(grown, 0, 0, o)
    out = grown
  }
  for (;;) {
    if (at + 4 > src.length) throw new DecompressionError('lz4 block size runs past the data')
    const word = src.readUInt32LE(at)
    at += 4
    if (word === 0) break
    const size = word & 0x7fffffff
    if (at + size > src.length) throw new DecompressionError('lz4 block runs past the data')
    if ((word & 0x80000000) !== 0) {
      room(o + size)
      src.copy(out, o, at, at + size)
      o += size
    } else {
      // A compressed block: sequences of [token, literal length+, literals, offset u16 LE, match length+].
      let s = at
      const end = at + size
      while (s < end) {
        const token = src[s++]
        let literals = token >>> 4
        if (literals === 15) {
          let b: number
          do {
            if (s >= end) throw new DecompressionError('lz4 literal length runs past the block')
            b = src[s++]
            literals += b
          } while (b === 255)
        }
        if (s + literals > end) throw new DecompressionError('lz4 literals run past the block')
        room(o + literals)
        src.copy(out, o, s, s + literals)
        o += literals
        s += literals
        if (s === end) break // the last sequence has literals only
        if (s + 2 > end) throw new DecompressionError('lz4 match offset runs past the block')
        const offset = src[s] | (src[s + 1] << 8)
        s += 2
        if (offset === 0 || offset > o) throw new DecompressionError('lz4 match offset points before the data')
        let matchLength = (token & 15) + 4
        if ((token & 15) === 15) {
          let b: number
          do {
            if (s >= end) throw new DecompressionError('lz4 match length runs past the block')
            b = src[s++]
            matchLength += b
          } while (b === 255)
        }
        room(o + matchLength)
        let from = o - offset
        if (offset >= matchLength) {
          out.copy(out, o, from, from + matchLength)
          o += matchLength
        } else {
          // Overlapping match (a repeated pattern): byte by byte.
          for (let i = 0; i < matchLength; i++) out[o++] = out[from++]
        }
      }
    }
    at += size
    if (blockChecksums) at += 4
  }
  if (contentChecksum) at += 4
  if (at > src.length) throw new DecompressionError('lz4 frame checksum runs past the data')
  if (contentSize >= 0 && o !== contentSize) throw new DecompressionError(`lz4 frame decodes to ${o} bytes, its header says ${contentSize}`)
  return out.subarray(0, o)
}

const PRIME1 = 2654435761
const PRIME2 = 2246822519
const PRIME3 = 3266489917
const PRIME4 = 668265263
const PRIME5 = 374761393

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r))
}

/** xxHash32 of buf[start, end) with seed 0 (the LZ4 frame's checksum). */
export function xxh32(buf: Uint8Array, start: number, end: number): number {
  const u32 = (i: number) => (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)) >>> 0
  let i = start
  let h: number
  if (end - start >= 16) {
    let v1 = (PRIME1 + PRIME2) | 0
    let v2 = PRIME2 | 0
    let v3 = 0
    let v4 = -PRIME1 | 0
    const round = (v: number, input: number) => Math.imul(rotl((v + Math.imul(input, PRIME2)) | 0, 13), PRIME1)
    for (; i + 16 <= end; i += 16) {
      v1 = round(v1, u32(i))
      v2 = round(v2, u32(i + 4))
      v3 = round(v3, u32(i + 8))
      v4 = round(v4, u32(i + 12))
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0
  } else {
    h = PRIME5 | 0
  }
  h = (h + (end - start)) | 0
  for (; i + 4 <= end; i += 4) h = Math.imul(rotl((h + Math.imul(u32(i), PRIME3)) | 0, 17), PRIME4)
  for (; i < end; i++) h = Math.imul(rotl((h + Math.imul(buf[i], PRIME5)) | 0, 11), PRIME1)
  h ^= h >>> 15
  h = Math.imul(h, PRIME2)
  h ^= h >>> 13
  h = Math.imul(h, PRIME3)
  h ^= h >>> 16
  return h >>> 0
}

// ---- zstd without node:zlib's ----

interface FzstdDecompress {
  ondata: (chunk: Uint8Array, final: boolean) => void
  push(chunk: Uint8Array, final?: boolean): void
}
interface Fzstd {
  Decompress: new (ondata?: (chunk: Uint8Array, final: boolean) => void) => FzstdDecompress
}
let fzstd: Fzstd | undefined
// The window fzstd allocates for a frame with no content size; standard encoders' windows are at
// most 8 MiB up to level 19, so a frame asking for more than that and than maxBytes is refused.
const ZSTD_WINDOW_ALLOWANCE = 8 * 1024 * 1024

function fzstdDecode(payload: Buffer, maxBytes: number): Buffer {
  checkZstdFrameHeader(payload, maxBytes)
  fzstd ??= require('fzstd') as Fzstd
  const chunks: Buffer[] = []
  let total = 0
  // The streaming decoder hands over each block (<= 128 KiB) as it is decoded, so output past
  // maxBytes stops it before the next block.
  const decoder = new fzstd.Decompress((chunk) => {
    total += chunk.length
    if (total > maxBytes) throw tooLarge('zstd', maxBytes)
    chunks.push(Buffer.from(chunk))
  })
  decoder.push(payload, true)
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)
}

/** Refuses a zstd frame whose header declares a content size or window beyond what is allowed (RFC 8878 3.1.1.1). */
function checkZstdFrameHeader(src: Buffer, maxBytes: number): void {
  if (src.length < 6 || src.readUInt32LE(0) !== 0xfd2fb528) throw new DecompressionError('zstd data is not a zstd frame (bad magic)')
  const descriptor = src[4]
  const singleSegment = (descriptor & 0x20) !== 0
  const sizeFlag = descriptor >>> 6
  const dictBytes = [0, 1, 2, 4][descriptor & 3]
  let at = 5
  let window = -1
  if (!singleSegment) {
    const wd = src[at++]
    const base = 2 ** (10 + (wd >>> 3))
    window = base + (base / 8) * (wd & 7)
  }
  at += dictBytes
  const sizeBytes = sizeFlag === 0 ? (singleSegment ? 1 : 0) : 2 ** sizeFlag
  if (src.length < at + sizeBytes) throw new DecompressionError('zstd frame header is cut short')
  let contentSize = -1
  if (sizeBytes === 1) contentSize = src[at]
  else if (sizeBytes === 2) contentSize = src.readUInt16LE(at) + 256
  else if (sizeBytes === 4) contentSize = src.readUInt32LE(at)
  else if (sizeBytes === 8) contentSize = src.readUInt32LE(at) + src.readUInt32LE(at + 4) * 0x1_0000_0000
  if (contentSize > maxBytes) throw tooLarge('zstd', maxBytes)
  if (contentSize < 0 && window > Math.max(maxBytes, ZSTD_WINDOW_ALLOWANCE)) throw tooLarge('zstd', maxBytes)
}
