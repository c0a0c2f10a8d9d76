/**
 * What output code needs from a record. RecordCursor (a view into batch bytes, no copies) fits it,
 * and so does MaterializedRecord (an owned copy, for readers that must hold records, like the
 * time-ordered merge of several topics).
 */
import type {Header, LogRecord} from './record-batch.js'

export interface RecordView {
  readonly offset: number
  readonly timestamp: number
  /** -1 for null */
  readonly keyLength: number
  /** -1 for null */
  readonly valueLength: number
  readonly headerCount: number
  /** Bytes holding the value at [valueStart, valueStart + valueLength). */
  readonly data: Buffer
  readonly valueStart: number
  key(): Buffer | null
  value(): Buffer | null
  headers(): Header[]
}

export class MaterializedRecord implements RecordView {
  readonly offset: number
  readonly timestamp: number
  readonly keyLength: number
  readonly valueLength: number
  readonly headerCount: number
  readonly data: Buffer
  readonly valueStart = 0
  private readonly record: LogRecord

  constructor(record: LogRecord) {
    this.record = record
    this.offset = record.offset
    this.timestamp = record.timestamp
    this.keyLength = record.key === null ? -1 : record.key.length
    this.valueLength = record.value === null ? -1 : record.value.length
    this.headerCount = record.headers.length
    this.data = record.value ?? Buffer.alloc(0)
  }

  key(): Buffer | null {
    return this.record.key
  }

  value(): Buffer | null {
    return this.record.value
  }

  headers(): Header[] {
    return this.record.headers
  }
}
