/**
 * How bytes appear in text: as UTF-8 (default), base64 or hex. Used for keys, values and header
 * values in --json envelopes and -F templates, both when printing and when reading them back.
 */
import {StromError} from '../core/errors.js'

export const ENCODINGS = ['utf8', 'base64', 'hex'] as const
export type Encoding = (typeof ENCODINGS)[number]

export function encodeBytes(bytes: Uint8Array, encoding: Encoding): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  return buf.toString(encoding)
}

export function decodeText(text: string, encoding: Encoding, where: string): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8')
  const valid = encoding === 'base64' ? /^[A-Za-z0-9+/_-]*={0,2}$/.test(text) : /^([0-9a-fA-F]{2})*$/.test(text)
  if (!valid) throw new StromError('INVALID_INPUT', `${where}: not valid ${encoding}`)
  return Buffer.from(text, encoding)
}

/** Turns `\n`, `\t`, `\r`, `\0`, `\\` and `\xNN` escapes into the bytes they name. */
export function unescapeDelimiter(text: string): Buffer {
  const out: number[] = []
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch !== '\\' || i === text.length - 1) {
      out.push(...Buffer.from(ch))
      continue
    }
    const next = text[++i]
    if (next === 'n') out.push(10)
    else if (next === 't') out.push(9)
    else if (next === 'r') out.push(13)
    else if (next === '0') out.push(0)
    else if (next === '\\') out.push(92)
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else out.push(92, ...Buffer.from(next))
  }
  return Buffer.from(out)
}
