/**
 * LZ4 block compression (the block format of lz4_Block_format.md), greedy with a 64 Ki-entry hash
 * table of 4-byte sequences, as the reference's fast mode does. A block is a run of sequences:
 *
 *   token u8        high 4 bits: literal count (15: more follows), low 4: match length - 4 (15: more)
 *   [255]* u8       literal count - 15, as bytes of 255 then one below 255
 *   literals
 *   offset u16 LE   1..65535 back from the match's start
 *   [255]* u8       match length - 19, likewise
 *
 * and the last sequence has literals only. Strict decoders (liblz4's LZ4_decompress_safe, which
 * Kafka's broker and Java client use through lz4-java) refuse a block that breaks the end rules,
 * so they are kept here: the last 5 bytes are literals (LASTLITERALS) and no match starts within
 * the last 12 (MFLIMIT). lz4js's compressor starts matches up to 9 bytes from the end, which
 * liblz4 refuses ("Error decoding offset ..."): this replaces it.
 */

const MIN_MATCH = 4
const LAST_LITERALS = 5
const MF_LIMIT = 12
const MAX_OFFSET = 65535
// After 2^SKIP_TRIGGER misses in a row the search steps over 2 bytes, then 3, ... (incompressible data goes fast).
const SKIP_TRIGGER = 6

/** The most bytes a block of `length` bytes compresses to (incompressible: literals and their length bytes). */
export function lz4BlockBound(length: number): number {
  return length + Math.floor(length / 255) + 16
}

/**
 * Compresses src[start, end) into dst from `at` (room: lz4BlockBound of the length) and returns
 * the end of what was written. `table` (65536 entries) is scratch; matches stay inside [start, end),
 * so each block decodes on its own.
 */
export function lz4CompressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number, table: Int32Array): number {
  let o = at
  let anchor = start
  if (end - start >= MF_LIMIT + 1) {
    table.fill(-1)
    const matchEnd = end - LAST_LITERALS
    const lastMatchStart = end - MF_LIMIT
    let ip = start
    let misses = 1 << SKIP_TRIGGER
    while (ip <= lastMatchStart) {
      const sequence = u32(src, ip)
      const slot = Math.imul(sequence, 2654435761) >>> 16
      let ref = table[slot]
      table[slot] = ip
      if (ref < 0 || ip - ref > MAX_OFFSET || u32(src, ref) !== sequence) {
        ip += misses++ >> SKIP_TRIGGER
        continue
      }
      misses = 1 << SKIP_TRIGGER
      // The match may start earlier than where it was found.
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--
        ref--
      }
      let matched = ip + MIN_MATCH
      let from = ref + MIN_MATCH
      while (matched < matchEnd && src[matched] === src[from]) {
        matched++
        from++
      }
      o = writeSequence(src, anchor, ip, dst, o, ip - ref, matched - ip - MIN_MATCH)
      anchor = ip = matched
    }
  }
  return writeSequence(src, anchor, end, dst, o, 0, -1)
}

/** Literals src[from, to), then the match (offset, length - 4) unless `matchCode` is -1 (the last sequence). */
function writeSequence(src: Uint8Array, from: number, to: number, dst: Uint8Array, o: number, offset: number, matchCode: number): number {
  const literals = to - from
  dst[o++] = (Math.min(literals, 15) << 4) | (matchCode < 0 ? 0 : Math.min(matchCode, 15))
  if (literals >= 15) o = writeLength(dst, o, literals - 15)
  if (literals < 32) {
    for (let i = from; i < to; i++) dst[o++] = src[i]
  } else {
    dst.set(src.subarray(from, to), o)
    o += literals
  }
  if (matchCode < 0) return o
  dst[o++] = offset & 0xff
  dst[o++] = offset >>> 8
  if (matchCode >= 15) o = writeLength(dst, o, matchCode - 15)
  return o
}

function writeLength(dst: Uint8Array, o: number, rest: number): number {
  for (; rest >= 255; rest -= 255) dst[o++] = 255
  dst[o++] = rest
  return o
}

function u32(buf: Uint8Array, at: number): number {
  return buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)
}
