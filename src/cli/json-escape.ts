/**
 * Escaping ASCII bytes into a JSON string literal, straight from a record's bytes into the output
 * buffer, exactly as JSON.stringify escapes them: `"` and `\` get a backslash, \b \f \n \r \t their
 * short escapes, other control bytes \u00xx, and everything else (DEL included) is copied as is.
 * A byte of 0x80 or more stops it (returns -1): non-ASCII text must be decoded as UTF-8 first,
 * which the caller does through JSON.stringify.
 *
 * A byte-by-byte loop costs several ns per byte here, and log lines are mostly runs of plain
 * characters. So the scan reads 4 bytes at a time through a DataView, tests all four for "needs
 * care" with SWAR bit tricks, and stores the word as a whole; only a word holding a special byte
 * is split, at that byte. On JSON-ish lines (a quote every ~5 bytes) that is ~30% faster than the
 * byte loop, on plain text about 3x.
 */

// Per byte: 0 copied as is, 2 not ASCII, 1 escaped as \u00xx, else the letter after the backslash.
const ESCAPE = new Uint8Array(256)
for (let b = 0; b < 0x20; b++) ESCAPE[b] = 1
ESCAPE[0x08] = 0x62 // \b
ESCAPE[0x09] = 0x74 // \t
ESCAPE[0x0a] = 0x6e // \n
ESCAPE[0x0c] = 0x66 // \f
ESCAPE[0x0d] = 0x72 // \r
ESCAPE[0x22] = 0x22 // \"
ESCAPE[0x5c] = 0x5c // \\
for (let b = 0x80; b < 0x100; b++) ESCAPE[b] = 2
const HEX = Buffer.from('0123456789abcdef')

/** Below this many bytes the byte loop wins (no word setup); keys are usually that short. */
const WORD_SCAN_MIN_BYTES = 16

/** The most bytes a quoted, escaped string of `length` input bytes takes (with room for a word store). */
export function maxQuotedLength(length: number): number {
  return 6 * length + 2
}

export class JsonStringWriter {
  // One-entry caches: the source is the read chunk (the same buffer for thousands of records),
  // the target the output buffer (the same until it is handed to stdout).
  private source: Uint8Array | undefined
  private sourceDataView: DataView | undefined
  private target: Uint8Array | undefined
  private targetDataView: DataView | undefined

  /**
   * Writes `"` + bytes[start, end) escaped + `"` into target at `at`, which must have
   * maxQuotedLength(end - start) bytes of room; returns the end, or -1 at a byte >= 0x80.
   */
  writeQuoted(target: Uint8Array, at: number, bytes: Uint8Array, start: number, end: number): number {
    target[at] = 0x22
    at = this.writeEscaped(target, at + 1, bytes, start, end)
    if (at < 0) return -1
    target[at] = 0x22
    return at + 1
  }

  /** writeQuoted without the quotes (room: maxQuotedLength(end - start) - 2 bytes). */
  writeEscaped(target: Uint8Array, at: number, bytes: Uint8Array, start: number, end: number): number {
    let i = start
    if (end - start >= WORD_SCAN_MIN_BYTES) {
      const input = this.sourceView(bytes)
      const output = this.targetView(target)
      while (i + 4 <= end) {
        const w = input.getInt32(i, true)
        // High bit of a byte set where the byte is >= 0x80, < 0x20, '"' or '\' (the classic
        // "has less than" / "has zero" tricks: a borrow can only mark bytes after a true hit).
        const q = w ^ 0x22222222
        const s = w ^ 0x5c5c5c5c
        const special = (w | ((w - 0x20202020) & ~w) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080
        // Store all four bytes even when only the ones before a special byte count: cheaper than
        // storing them one by one; what follows overwrites the rest.
        output.setInt32(at, w, true)
        if (special === 0) {
          at += 4
          i += 4
          continue
        }
        const clean = (31 - Math.clz32(special & -special)) >> 3
        at += clean
        i += clean
        at = escapeByte(target, at, bytes[i++])
        if (at < 0) return -1
      }
    }
    while (i < end) {
      const b = bytes[i++]
      if (ESCAPE[b] === 0) target[at++] = b
      else {
        at = escapeByte(target, at, b)
        if (at < 0) return -1
      }
    }
    return at
  }

  /** A DataView of `target` (cached: the output buffer stays the same for many records). */
  targetView(target: Uint8Array): DataView {
    if (target !== this.target) {
      this.target = target
      this.targetDataView = new DataView(target.buffer, target.byteOffset, target.byteLength)
    }
    return this.targetDataView!
  }

  private sourceView(bytes: Uint8Array): DataView {
    if (bytes !== this.source) {
      this.source = bytes
      this.sourceDataView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    }
    return this.sourceDataView!
  }
}

/** Writes the escape of one byte that needs care; -1 when it is not ASCII. */
function escapeByte(target: Uint8Array, at: number, b: number): number {
  const e = ESCAPE[b]
  if (e > 2) {
    target[at] = 0x5c
    target[at + 1] = e
    return at + 2
  }
  if (e === 2) return -1
  target[at] = 0x5c
  target[at + 1] = 0x75 // u00xx
  target[at + 2] = 0x30
  target[at + 3] = 0x30
  target[at + 4] = HEX[b >> 4]
  target[at + 5] = HEX[b & 15]
  return at + 6
}
