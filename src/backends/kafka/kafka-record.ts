/** Records as kafkajs decodes them, seen through the RecordView that strom's output code reads. */
import type {Header} from '../../core/format/record-batch.js'
import {MaterializedRecord} from '../../core/format/record-view.js'
import type {InternalMessage} from './client.js'

/** kafkajs gathers headers into an object (a repeated key becomes an array); strom keeps a list. */
export function headersFromKafka(headers: InternalMessage['headers']): Header[] {
  if (headers === undefined) return []
  const list: Header[] = []
  for (const [key, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) list.push({key, value: v ?? null})
    else list.push({key, value: value ?? null})
  }
  return list
}

/** What kafkajs' producer takes as headers: repeated keys become arrays, order within a key kept. */
export function headersToKafka(headers: Header[] | undefined): Record<string, Buffer | Buffer[]> | undefined {
  if (headers === undefined || headers.length === 0) return undefined
  const out: Record<string, Buffer | Buffer[]> = {}
  for (const {key, value} of headers) {
    // kafkajs cannot send a null header value; an empty one is the closest it can say. A copy,
    // because the caller's bytes may be a view into a read buffer that is reused before the ack.
    const bytes = value === null ? Buffer.alloc(0) : Buffer.from(value)
    const existing = out[key]
    if (existing === undefined) out[key] = bytes
    else if (Array.isArray(existing)) existing.push(bytes)
    else out[key] = [existing, bytes]
  }
  return out
}

export function recordFromKafka(message: InternalMessage): MaterializedRecord {
  return new MaterializedRecord({
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headersFromKafka(message.headers),
  })
}
