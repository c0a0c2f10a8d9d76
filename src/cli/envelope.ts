/**
 * The NDJSON envelope, one object per line, which `consume --json` prints and `produce --json`
 * reads, so `strom consume a --json | jq ... | strom produce b --json` round-trips records:
 *
 *   {"topic":"t","partition":0,"offset":42,"timestamp":1700000000000,
 *    "key":"k1"|null,"value":"hello"|null,"headers":[{"key":"h1","value":"v1"|null}]}
 *
 * Keys, values and header values are UTF-8 text by default, or base64/hex with --key-encoding and
 * --value-encoding (header values follow the value encoding). produce ignores topic and offset,
 * and partition unless --keep-partition is given; it also accepts headers as a {"k":"v"} object and timestamps as ISO strings.
 */
import {StromError} from '../core/errors.js'
import type {Header} from '../core/format/record-batch.js'
import type {RecordView} from '../core/format/record-view.js'
import {Encoding, decodeText, encodeBytes} from './encoding.js'

export interface EnvelopeEncodings {
  key: Encoding
  value: Encoding
}

export function envelopeJson(topic: string, partition: number, record: RecordView, encodings: EnvelopeEncodings): string {
  const key = record.key()
  const value = record.value()
  let headers = '[]'
  if (record.headerCount > 0) {
    headers = '[' + record.headers().map((h) => `{"key":${JSON.stringify(h.key)},"value":${h.value === null ? 'null' : JSON.stringify(encodeBytes(h.value, encodings.value))}}`).join(',') + ']'
  }
  return `{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":${record.offset},"timestamp":${record.timestamp},`
    + `"key":${key === null ? 'null' : JSON.stringify(encodeBytes(key, encodings.key))},`
    + `"value":${value === null ? 'null' : JSON.stringify(encodeBytes(value, encodings.value))},"headers":${headers}}`
}

export interface ParsedEnvelope {
  key: Buffer | null
  value: Buffer | null
  headers: Header[]
  partition?: number
  timestamp?: number
}

export function parseEnvelope(line: string, where: string, encodings: EnvelopeEncodings): ParsedEnvelope {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (error) {
    throw new StromError('INVALID_INPUT', `${where}: invalid JSON (${(error as Error).message})`, {
      hint: 'each line must be one JSON object such as {"key":"k","value":"v","headers":[{"key":"h","value":"x"}]}',
    })
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StromError('INVALID_INPUT', `${where}: expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`)
  }
  const object = parsed as Record<string, unknown>
  const bytes = (field: string, encoding: Encoding): Buffer | null => {
    const value = object[field]
    if (value === undefined || value === null) return null
    if (typeof value === 'string') return decodeText(value, encoding, `${where}, "${field}"`)
    if (typeof value === 'number' || typeof value === 'boolean') return Buffer.from(String(value))
    return Buffer.from(JSON.stringify(value))
  }
  return {
    key: bytes('key', encodings.key),
    value: bytes('value', encodings.value),
    headers: parseHeaders(object.headers, where, encodings.value),
    partition: parsePartition(object.partition, where),
    timestamp: parseTimestamp(object.timestamp, where),
  }
}

function parseHeaders(raw: unknown, where: string, encoding: Encoding): Header[] {
  if (raw === undefined || raw === null) return []
  const header = (key: unknown, value: unknown): Header => {
    if (typeof key !== 'string') throw new StromError('INVALID_INPUT', `${where}: header keys must be strings`)
    if (value !== null && typeof value !== 'string') throw new StromError('INVALID_INPUT', `${where}: header '${key}' must have a string or null value`)
    return {key, value: value === null ? null : decodeText(value, encoding, `${where}, header '${key}'`)}
  }
  if (Array.isArray(raw)) {
    return raw.map((entry) => {
      if (entry === null || typeof entry !== 'object') throw new StromError('INVALID_INPUT', `${where}: headers must be {"key":..,"value":..} objects`)
      const {key, value} = entry as {key: unknown; value: unknown}
      return header(key, value ?? null)
    })
  }
  if (typeof raw === 'object') return Object.entries(raw as Record<string, unknown>).map(([key, value]) => header(key, value ?? null))
  throw new StromError('INVALID_INPUT', `${where}: "headers" must be an array or an object`)
}

function parsePartition(raw: unknown, where: string): number | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) throw new StromError('INVALID_INPUT', `${where}: "partition" must be a non-negative integer`)
  return raw
}

function parseTimestamp(raw: unknown, where: string): number | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw
  if (typeof raw === 'string') {
    const parsed = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)
    if (!Number.isNaN(parsed)) return parsed
  }
  throw new StromError('INVALID_INPUT', `${where}: "timestamp" must be milliseconds since the epoch or an ISO time`)
}
