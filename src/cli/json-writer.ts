/**
 * Writes the NDJSON envelope straight into the output buffer. Keys and values that are ASCII (most
 * log lines, JSON ones included) are escaped byte by byte, the way JSON.stringify escapes them;
 * anything else goes through JSON.stringify, so the text is always exactly what `envelopeJson`
 * would produce (a unit test compares both).
 */
import type {RecordView} from '../core/format/record-view.js'
import {EnvelopeEncodings, envelopeJson} from './envelope.js'
import type {RecordOutput} from './output.js'

const QUOTE = Buffer.from('"')
const NULL = Buffer.from('null')
const TIMESTAMP = Buffer.from(',"timestamp":')
const KEY = Buffer.from(',"key":')
const VALUE = Buffer.from(',"value":')
const END = Buffer.from(',"headers":[]}\n')

function isAscii(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] > 0x7f) return false
  return true
}

export class EnvelopeWriter {
  private readonly prefixes = new Map<string, Buffer>()

  constructor(private readonly out: RecordOutput, private readonly encodings: EnvelopeEncodings) {}

  write(topic: string, partition: number, record: RecordView): void {
    const utf8 = this.encodings.key === 'utf8' && this.encodings.value === 'utf8'
    const key = record.key()
    const valueStart = record.valueStart
    const valueEnd = record.valueStart + Math.max(0, record.valueLength)
    if (!utf8 || record.headerCount > 0 || (key !== null && !isAscii(key, 0, key.length)) || (record.valueLength > 0 && !isAscii(record.data, valueStart, valueEnd))) {
      this.out.writeString(envelopeJson(topic, partition, record, this.encodings) + '\n')
      return
    }
    const out = this.out
    out.writeBytes(this.prefix(topic, partition))
    out.writeInteger(record.offset)
    out.writeBytes(TIMESTAMP)
    out.writeInteger(record.timestamp)
    out.writeBytes(KEY)
    if (key === null) out.writeBytes(NULL)
    else {
      out.writeBytes(QUOTE)
      out.writeJsonEscapedAscii(key, 0, key.length)
      out.writeBytes(QUOTE)
    }
    out.writeBytes(VALUE)
    if (record.valueLength < 0) out.writeBytes(NULL)
    else {
      out.writeBytes(QUOTE)
      out.writeJsonEscapedAscii(record.data, valueStart, valueEnd)
      out.writeBytes(QUOTE)
    }
    out.writeBytes(END)
  }

  private lastTopic = ''
  private lastPartition = -1
  private lastPrefix: Buffer = Buffer.alloc(0)

  private prefix(topic: string, partition: number): Buffer {
    if (topic === this.lastTopic && partition === this.lastPartition) return this.lastPrefix
    this.lastTopic = topic
    this.lastPartition = partition
    this.lastPrefix = this.prefixFor(topic, partition)
    return this.lastPrefix
  }

  private prefixFor(topic: string, partition: number): Buffer {
    const id = `${topic}\u0000${partition}`
    let prefix = this.prefixes.get(id)
    if (prefix === undefined) {
      prefix = Buffer.from(`{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":`)
      this.prefixes.set(id, prefix)
    }
    return prefix
  }
}
