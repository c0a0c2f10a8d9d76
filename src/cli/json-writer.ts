/**
 * Writes the NDJSON envelope straight into the output buffer. Keys and values that are ASCII (most
 * log lines, JSON ones included) are escaped by JsonStringWriter, the way JSON.stringify escapes
 * them; anything else goes through JSON.stringify, so the text is always exactly what
 * `envelopeJson` would produce (a unit test compares both).
 *
 * The fast path reserves room for the whole envelope once and writes it in one go: constant parts
 * with one native set() each (the timestamp is part of a constant run, rebuilt only when it
 * changes, which across a batch it rarely does), the offset as digits, and key and value escaped
 * in place, rolling the envelope back if a non-ASCII byte turns up.
 */
import type {RecordView} from '../core/format/record-view.js'
import {EnvelopeEncodings, envelopeJson} from './envelope.js'
import {JsonStringWriter} from './json-escape.js'
import {RecordOutput, writeDecimal} from './output.js'

const NULL = Buffer.from('null')
const TIMESTAMP = Buffer.from(',"timestamp":')
const KEY = Buffer.from(',"key":')
const VALUE = Buffer.from(',"value":')
const NULL_VALUE = Buffer.from('null,"value":')
const END = Buffer.from(',"headers":[]}\n')
// Room for the fixed parts and both integers; escaping can make a byte six ("\u00xx").
const FIXED_BYTES = TIMESTAMP.length + KEY.length + VALUE.length + END.length + 2 * NULL.length + 4 + 2 * 24

function copyBytes(target: Buffer, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) target[at++] = bytes[i]
  return at
}

export class EnvelopeWriter {
  private readonly prefixes = new Map<string, Buffer>()
  private readonly utf8: boolean
  private readonly strings = new JsonStringWriter()
  private lastTimestamp = -1
  /** `,"timestamp":T,"key":` for the last timestamp seen (it repeats across a batch). */
  private timestampPart = Buffer.alloc(0)

  constructor(private readonly out: RecordOutput, private readonly encodings: EnvelopeEncodings) {
    this.utf8 = encodings.key === 'utf8' && encodings.value === 'utf8'
  }

  write(topic: string, partition: number, record: RecordView): void {
    const offset = record.offset
    const timestamp = record.timestamp
    if (!this.utf8 || record.headerCount > 0 || !(offset >= 0 && offset <= Number.MAX_SAFE_INTEGER && timestamp >= 0 && timestamp <= Number.MAX_SAFE_INTEGER)
      || !this.writeFast(topic, partition, record, offset, timestamp)) {
      this.out.writeString(envelopeJson(topic, partition, record, this.encodings) + '\n')
    }
  }

  private writeFast(topic: string, partition: number, record: RecordView, offset: number, timestamp: number): boolean {
    const out = this.out
    const prefix = this.prefix(topic, partition)
    const key = record.keyLength < 0 ? null : record.key()
    const valueLength = record.valueLength
    const target = out.reserve(prefix.length + FIXED_BYTES + 6 * ((key === null ? 0 : key.length) + Math.max(0, valueLength)))
    // Constant runs go in with one native set() of a whole buffer each (no view object).
    target.set(prefix, out.length)
    let at = writeDecimal(target, out.length + prefix.length, offset)
    if (timestamp !== this.lastTimestamp) {
      this.lastTimestamp = timestamp
      this.timestampPart = Buffer.from(`,"timestamp":${timestamp},"key":`)
    }
    target.set(this.timestampPart, at)
    at += this.timestampPart.length
    if (key === null) {
      target.set(NULL_VALUE, at)
      at += NULL_VALUE.length
    } else {
      at = this.strings.writeQuoted(target, at, key, 0, key.length)
      if (at < 0) return false
      at = copyBytes(target, at, VALUE)
    }
    if (valueLength < 0) at = copyBytes(target, at, NULL)
    else {
      at = this.strings.writeQuoted(target, at, record.data, record.valueStart, record.valueStart + valueLength)
      if (at < 0) return false
    }
    target.set(END, at)
    out.length = at + END.length
    return true
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
