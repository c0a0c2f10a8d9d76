/** Records as kafkajs' group consumer decodes them, seen through the RecordView that strom's output code reads. */
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

export function recordFromKafka(message: InternalMessage): MaterializedRecord {
  return new MaterializedRecord({
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headersFromKafka(message.headers),
  })
}
