/**
 * `strom log dump` (like kafka-dump-log): every batch header of a segment file, and with records
 * their keys, values and headers. Damaged bytes are shown as such (with where valid batches
 * resume), never hidden or thrown on, so dump is also how one looks at a quarantine file.
 */
import fs from 'node:fs'
import {codecName} from '../format/compression.js'
import {BATCH, BATCH_HEADER_SIZE, LOG_OVERHEAD, RecordCursor, isBatchCrcValid, readBatchHeader} from '../format/record-batch.js'
import type {Header} from '../format/record-batch.js'
import {FileWindow} from './file-window.js'
import {ATTR_DELETE_HORIZON} from './batch-filter.js'
import {findNextValidBatch} from './resync.js'
import {ControlRecord, MarkerType, decodeControlBatch} from '../txn/control-batch.js'


export interface DumpedRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: Header[]
}

export interface DumpedBatch {
  type: 'batch'
  position: number
  baseOffset: number
  lastOffset: number
  count: number
  sizeBytes: number
  magic: number
  crc: number
  crcValid: boolean
  compression: string
  timestampType: 'CreateTime' | 'LogAppendTime'
  isControl: boolean
  isTransactional: boolean
  deleteHorizonMs: number | null
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  partitionLeaderEpoch: number
  /** A control batch (CRC valid): the transaction marker it holds, or why it is not a well-formed one. */
  marker?: {type: MarkerType | null; coordinatorEpoch: number | null; problem: string | null}
  records?: DumpedRecord[]
  /** With records, for a control batch: its records decoded as markers. */
  controlRecords?: ControlRecord[]
}

export interface DumpedDamage {
  type: 'damage'
  position: number
  bytes: number
  reason: string
}

export type DumpEntry = DumpedBatch | DumpedDamage

export interface DumpOptions {
  /** Skip batches that end before this offset. */
  fromOffset?: number
  records?: boolean
  /** Byte position to start at (a batch boundary: where a previous call stopped). */
  fromPosition?: number
}

/**
 * Visits the entries of one segment file in order. Return false from `visit` to pause: the result
 * is then the position to continue from (pass it as fromPosition); undefined means the file is done.
 */
export function dumpFile(file: string, options: DumpOptions, visit: (entry: DumpEntry) => boolean | void): number | undefined {
  const fd = fs.openSync(file, 'r')
  try {
    const size = fs.fstatSync(fd).size
    const window = new FileWindow(fd, size)
    const cursor = new RecordCursor()
    let position = options.fromPosition ?? 0
    while (position < size) {
      const header = window.view(position, Math.min(BATCH_HEADER_SIZE, size - position))!
      const sizeBytes = header.length >= LOG_OVERHEAD ? header.readInt32BE(BATCH.batchLength) + LOG_OVERHEAD : 0
      let reason: string | undefined
      if (header.length < BATCH_HEADER_SIZE) reason = `${size - position} trailing bytes are shorter than a batch header`
      else if (sizeBytes < BATCH_HEADER_SIZE) reason = `batch length ${sizeBytes - LOG_OVERHEAD} is below the minimum`
      else if (header.readInt8(BATCH.magic) !== 2) reason = `magic byte ${header.readInt8(BATCH.magic)} is not 2`
      else if (position + sizeBytes > size) reason = `a batch of ${sizeBytes} bytes runs past the end of the file`
      if (reason !== undefined) {
        const resume = findNextValidBatch(fd, position + 1, size) ?? size
        const pause = visit({type: 'damage', position, bytes: resume - position, reason}) === false
        position = resume
        if (pause) return position
        continue
      }
      const bytes = window.view(position, sizeBytes)!
      const h = readBatchHeader(bytes, 0)
      const lastOffset = h.baseOffset + h.lastOffsetDelta
      if (options.fromOffset === undefined || lastOffset >= options.fromOffset) {
        const crcValid = isBatchCrcValid(bytes, 0, sizeBytes)
        const entry: DumpedBatch = {
          type: 'batch', position, baseOffset: h.baseOffset, lastOffset, count: h.recordsCount, sizeBytes, magic: h.magic, crc: h.crc, crcValid,
          compression: codecName(h.attributes & 0x07),
          timestampType: (h.attributes & 0x08) !== 0 ? 'LogAppendTime' : 'CreateTime',
          isTransactional: (h.attributes & 0x10) !== 0, isControl: (h.attributes & 0x20) !== 0,
          deleteHorizonMs: (h.attributes & ATTR_DELETE_HORIZON) !== 0 ? h.baseTimestamp : null,
          baseTimestamp: h.baseTimestamp, maxTimestamp: h.maxTimestamp, producerId: h.producerId, producerEpoch: h.producerEpoch,
          baseSequence: h.baseSequence, partitionLeaderEpoch: bytes.readInt32BE(BATCH.partitionLeaderEpoch),
        }
        // Records of a batch whose CRC fails are not decoded: their lengths cannot be trusted.
        if (entry.isControl && crcValid) {
          const control = decodeControlBatch(bytes, 0, sizeBytes)
          const first = control.records[0]
          entry.marker = {type: first?.type ?? null, coordinatorEpoch: first?.coordinatorEpoch ?? null, problem: control.problem ?? null}
          if (options.records) entry.controlRecords = control.records.filter((r) => options.fromOffset === undefined || r.offset >= options.fromOffset)
        } else if (options.records && crcValid) {
          entry.records = []
          cursor.reset(bytes, 0)
          while (cursor.next()) {
            if (options.fromOffset !== undefined && cursor.offset < options.fromOffset) continue
            entry.records.push(cursor.toRecord())
          }
        }
        if (visit(entry) === false) return position + sizeBytes
      }
      position += sizeBytes
    }
    return undefined
  } finally {
    fs.closeSync(fd)
  }
}
