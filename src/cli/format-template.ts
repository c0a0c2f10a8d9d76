/**
 * kcat-style output templates for `consume -F`:
 *   %t topic   %p partition   %o offset   %T timestamp (ms)   %k key   %v (or %s) value
 *   %h headers as k=v,k2=v2    %K key length    %S value length (-1 for null)    %% a percent sign
 * and escapes \n \t \r \0 \\ \xNN. Null keys and values print as nothing.
 */
import {StromError} from '../core/errors.js'
import type {RecordView} from '../core/format/record-view.js'
import {Encoding, encodeBytes, unescapeDelimiter} from './encoding.js'
import type {RecordOutput} from './output.js'

type Part = {literal: Buffer} | {field: string}

export class FormatTemplate {
  private readonly parts: Part[]

  constructor(template: string, private readonly encodings: {key: Encoding; value: Encoding}) {
    this.parts = parseTemplate(template)
  }

  render(out: RecordOutput, topic: string, partition: number, record: RecordView): void {
    for (const part of this.parts) {
      if ('literal' in part) {
        out.writeBytes(part.literal)
        continue
      }
      switch (part.field) {
        case 't':
          out.writeString(topic)
          break
        case 'p':
          out.writeString(String(partition))
          break
        case 'o':
          out.writeString(String(record.offset))
          break
        case 'T':
          out.writeString(String(record.timestamp))
          break
        case 'k':
          this.bytes(out, record.key(), this.encodings.key)
          break
        case 'v':
        case 's':
          this.bytes(out, record.value(), this.encodings.value)
          break
        case 'K':
          out.writeString(String(record.keyLength))
          break
        case 'S':
          out.writeString(String(record.valueLength))
          break
        case 'h':
          out.writeString(record.headers().map((h) => `${h.key}=${h.value === null ? '' : encodeBytes(h.value, this.encodings.value)}`).join(','))
          break
      }
    }
  }

  private bytes(out: RecordOutput, bytes: Buffer | null, encoding: Encoding): void {
    if (bytes === null) return
    if (encoding === 'utf8') out.writeBytes(bytes)
    else out.writeString(encodeBytes(bytes, encoding))
  }
}

const FIELDS = new Set(['t', 'p', 'o', 'T', 'k', 'v', 's', 'K', 'S', 'h'])

export function parseTemplate(template: string): Part[] {
  const parts: Part[] = []
  let literal = ''
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]
    if (ch !== '%') {
      literal += ch
      continue
    }
    const field = template[++i]
    if (field === '%') {
      literal += '%'
      continue
    }
    if (field === undefined || !FIELDS.has(field)) {
      throw new StromError('INVALID_ARGUMENT', `unknown format field '%${field ?? ''}' in '${template}'`, {
        hint: 'use %t topic, %p partition, %o offset, %T timestamp, %k key, %v value, %h headers, %K key length, %S value length, %% for %',
      })
    }
    if (literal !== '') parts.push({literal: unescapeDelimiter(literal)})
    literal = ''
    parts.push({field})
  }
  if (literal !== '') parts.push({literal: unescapeDelimiter(literal)})
  return parts
}
