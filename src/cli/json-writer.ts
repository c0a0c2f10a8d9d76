/**
 * Writes the NDJSON envelope straight into the output buffer. Keys and values that are ASCII (most
 * log lines, JSON ones included) are escaped by JsonStringWriter, the way JSON.stringify escapes
 * them; anything else goes through JSON.stringify, so the text is always exactly what
 * `envelopeJson` would produce (a unit test compares both).
 *
 * The fast path reserves room for the whole envelope once and writes it in one go: constant parts
 * with one native set() each (the timestamp is part of a constant run, rebuilt only when it
 * changes, which across a batch it rarely does), the offset as digits, and key and value escaped
 * in place, rolling the envelope back (by not moving `out.length`) if a non-ASCII byte turns up.
 */
import type {RecordView} from '../core/format/record-view.js'
import {EnvelopeEncodings, envelopeJson} from './envelope.js'
import {JsonStringWriter} from './json-escape.js'
import {RecordOutput, writeDecimal} from './output.js'

// The fixed parts of an envelope, around the escaped key and value. Each goes in with one
// TypedArray#set of a whole Buffer (about as cheap as a handful of word stores, far cheaper than a
// byte loop or a set() of a subarray view).
const KEY_END = Buffer.from('","value":')
const NULL_VALUE_END = Buffer.from('null,"headers":[]}\n')
const VALUE_END = Buffer.from('","headers":[]}\n')
// Room for the fixed parts after the prefix: the offset and the timestamp (24 each), two quotes
// each for key and value; escaping can make a byte six ("\u00xx").
const FIXED_BYTES = ',"timestamp":,"key":null,"value":'.length + KEY_END.length + NULL_VALUE_END.length + VALUE_END.length + 4 + 2 * 24

export class EnvelopeWriter {
  private readonly prefixes = new Map<string, Buffer>()
  private readonly utf8: boolean
  private readonly strings = new JsonStringWriter()
  private lastTimestamp = -1
  /**
   * `,"timestamp":T,"key":` and `,"timestamp":T,"key":null,"value":` for the last timestamp seen
   * (it repeats across a batch), the second made when first needed.
   */
  private timestampKey = Buffer.alloc(0)
  private timestampNullKey: Buffer | undefined

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

  /** The envelope written in place; false (nothing counted as written) at a non-ASCII key or value. */
  private writeFast(topic: string, partition: number, record: RecordView, offset: number, timestamp: number): boolean {
    const out = this.out
    const strings = this.strings
    const prefix = this.prefix(topic, partition)
    const key = record.keyLength < 0 ? null : record.key()
    const valueLength = record.valueLength
    const target = out.reserve(prefix.length + FIXED_BYTES + 6 * ((key === null ? 0 : key.length) + Math.max(0, valueLength)))
    target.set(prefix, out.length)
    let at = writeDecimal(target, out.length + prefix.length, offset)
    if (timestamp !== this.lastTimestamp) {
      this.lastTimestamp = timestamp
      this.timestampKey = Buffer.from(`,"timestamp":${timestamp},"key":`)
      this.timestampNullKey = undefined
    }
    if (key === null) {
      const part = (this.timestampNullKey ??= Buffer.from(`,"timestamp":${timestamp},"key":null,"value":`))
      target.set(part, at)
      at += part.length
    } else {
      target.set(this.timestampKey, at)
      target[at + this.timestampKey.length] = 0x22
      at = strings.writeEscaped(target, at + this.timestampKey.length + 1, key, 0, key.length)
      if (at < 0) return false
      target.set(KEY_END, at)
      at += KEY_END.length
    }
    if (valueLength < 0) {
      target.set(NULL_VALUE_END, at)
      at += NULL_VALUE_END.length
    } else {
      target[at] = 0x22
      at = strings.writeEscaped(target, at + 1, record.data, record.valueStart, record.valueStart + valueLength)
      if (at < 0) return false
      target.set(VALUE_END, at)
      at += VALUE_END.length
    }
    out.length = at
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
