/**
 * Turning records into output bytes, one function per output style:
 *   plain    the value per line (or -D delimiter), raw bytes, never re-encoded — the default when piped
 *   pretty   aligned and coloured for a terminal: [time] topic/partition@offset key value
 *   template kcat-style -F templates
 *   json     NDJSON envelopes
 */
import type {RecordView} from '../core/format/record-view.js'
import type {ColorLevel} from './color.js'
import {Encoding, unescapeDelimiter} from './encoding.js'
import {EnvelopeWriter} from './json-writer.js'
import {FormatTemplate} from './format-template.js'
import type {RecordOutput} from './output.js'

export type RenderRecord = (topic: string, partition: number, record: RecordView) => void

export interface RenderOptions {
  json: boolean
  format?: string
  pretty: boolean
  /** Colour in pretty output, from colorLevel (src/cli/color.ts). */
  color: ColorLevel
  delimiter: string
  keyEncoding: Encoding
  valueEncoding: Encoding
  /** Show the topic name (several topics) and the time (merged streams) in pretty output. */
  showTopic: boolean
  showTime: boolean
  /**
   * The reader lets output overwrite the bytes of records already visited, until it calls the
   * output's flush or maybeFlush (LogReader and GroupConsumer do so after every chunk).
   */
  inPlace?: boolean
}

/** Async only for the pretty style: chalk is loaded when a terminal gets colours, not on every start. */
export async function makeRenderer(options: RenderOptions, out: RecordOutput): Promise<RenderRecord> {
  const encodings = {key: options.keyEncoding, value: options.valueEncoding}
  if (options.json) {
    const writer = new EnvelopeWriter(out, encodings)
    return (topic, partition, record) => writer.write(topic, partition, record)
  }
  if (options.format !== undefined) {
    const template = new FormatTemplate(options.format, encodings)
    return (topic, partition, record) => template.render(out, topic, partition, record)
  }
  if (options.pretty) return prettyRenderer(options, out, await import('chalk'))
  const delimiter = unescapeDelimiter(options.delimiter)
  const raw = options.valueEncoding === 'utf8'
  if (raw && options.inPlace === true && delimiter.length <= 1) {
    // The hot path of `consume | ...`: values are moved down inside the read chunk (see writeInPlace).
    const suffix = delimiter.length === 1 ? delimiter[0] : -1
    return (_topic, _partition, record) => {
      const start = record.valueStart
      out.writeInPlace(record.data, start, start + Math.max(0, record.valueLength), suffix)
    }
  }
  return (_topic, _partition, record) => {
    if (record.valueLength > 0) {
      if (raw) out.writeBytes(record.data, record.valueStart, record.valueStart + record.valueLength)
      else out.writeString(record.value()!.toString(options.valueEncoding))
    }
    out.writeBytes(delimiter)
  }
}

function prettyRenderer(options: RenderOptions, out: RecordOutput, {Chalk}: typeof import('chalk')): RenderRecord {
  const c = new Chalk({level: options.color})
  let topicWidth = 0
  let offsetWidth = 6
  return (topic, partition, record) => {
    const parts: string[] = []
    if (options.showTime) parts.push(c.dim(new Date(record.timestamp).toISOString().slice(11, 23)))
    topicWidth = Math.max(topicWidth, options.showTopic ? topic.length : 0)
    const where = options.showTopic ? `${c.cyan(topic.padEnd(topicWidth))} ${String(partition).padStart(2)}` : String(partition).padStart(2)
    const offset = String(record.offset)
    offsetWidth = Math.max(offsetWidth, offset.length)
    parts.push(`${where} ${c.yellow(offset.padStart(offsetWidth))}`)
    const key = record.key()
    if (key !== null) parts.push(c.dim(key.toString(options.keyEncoding)))
    const value = record.value()
    parts.push(value === null ? c.dim('(null)') : value.toString(options.valueEncoding))
    out.writeString(parts.join(' ') + '\n')
  }
}
