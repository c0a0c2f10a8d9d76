/**
 * `strom log verify`: a read-only integrity scan of every segment of a partition. It checks each
 * batch (length, magic, CRC-32C, partitionLeaderEpoch 0 as strom writes it, offsets that only
 * grow and, on topics never compacted, offsets without gaps), the offset index and time index
 * against the batches, and that segments do not overlap. After damage it resynchronises on the
 * next valid batch, so every fault is reported, each with topic, partition, segment, byte position
 * and offset. It takes no lock: an incomplete batch at the end of the active segment while a
 * producer holds the write lock is a write in progress, not a fault.
 *
 * Only bytes outside the CRC can be damaged without the CRC noticing: the base offset, the length,
 * the epoch and the magic byte. The length and magic are checked directly; the epoch must be 0;
 * a damaged base offset breaks the offset sequence and is attributed to the batch that broke it.
 */
import fs from 'node:fs'
import path from 'node:path'
import {codecName} from '../format/compression.js'
import {BATCH, BATCH_HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2, RecordCursor, isBatchCrcValid, readInt64} from '../format/record-batch.js'
import {segmentPaths} from '../segment/segment.js'
import {isLockedElsewhere, waitUntilUnlocked} from '../io/file-lock.js'
import {CLEANER_LOCK_FILE, WRITE_LOCK_FILE, directoryStamp, listSegmentBases} from '../partition/partition-files.js'
import {OFFSET_INDEX_ENTRY_SIZE} from '../segment/offset-index.js'
import {TIME_INDEX_ENTRY_SIZE} from '../segment/time-index.js'
import {CLEANER_CHECKPOINT_FILE, isCompacted} from './compaction.js'
import {FileWindow} from './file-window.js'
import {GroupFileDamage} from '../groups/group-files.js'
import {GroupStore} from '../groups/group-store.js'
import {PartitionRef} from './partition-ref.js'
import {OffsetGap, readOffsetGaps} from '../partition/offset-gaps.js'
import {findNextValidBatch} from './resync.js'
import {MarkerType, decodeControlBatch} from '../txn/control-batch.js'
import {isControlBatch} from '../format/record-batch.js'
import {ABORTED_TXN_SIZE, TXN_INDEX_SUFFIX, readTxnIndexFile} from '../txn/txn-index.js'
import {readTxnState, transactionStateFiles} from '../txn/txn-store.js'
import {StromError} from '../errors.js'
import {segmentPrefix} from '../format/segment-files.js'

export type FaultKind = 'batch' | 'offset' | 'index' | 'timeindex' | 'segment' | 'marker' | 'txnindex'

export interface Fault {
  topic: string
  partition: number
  segment: number
  file: string
  kind: FaultKind
  /** Byte position in `file` (for index faults: in the index file). */
  position: number
  offset?: number
  message: string
}

export interface SegmentCheck {
  baseOffset: number
  active: boolean
  sizeBytes: number
  /** End of the last valid batch before the first batch fault (= sizeBytes when the log bytes are sound). */
  validEnd: number
  lastOffset: number | undefined
  batches: number
  faults: Fault[]
  indexesSound: boolean
}

export interface PartitionCheck {
  topic: string
  partition: number
  segments: SegmentCheck[]
  batches: number
  bytes: number
  faults: Fault[]
  /** Offsets must be contiguous (the topic was never compacted), apart from gaps repair recorded. */
  strict: boolean
}

export interface VerifyOptions {
  onProgress?: (bytes: number) => void
  /** The caller holds the write lock (repair): an incomplete tail is then damage, never a write in progress. */
  holdingWriteLock?: boolean
}

/**
 * Verifies a partition. Retention and compaction replace and delete segments while verify looks
 * (without a lock), so a listing can mix old and new segments for a moment (a compacted segment
 * next to the one it replaces: an "overlap"). Faults are therefore only reported when they are
 * stable: found while no cleaner held the partition and the directory did not change, or found
 * again by a second look made after the swap in progress (done under the write lock) finished.
 */
export function verifyPartition(ref: PartitionRef, options: VerifyOptions = {}): PartitionCheck {
  // Repair holds both locks: nothing can change under it.
  if (options.holdingWriteLock) return verifyOnce(ref, options)
  let previous: PartitionCheck | undefined
  for (let look = 1; ; look++) {
    const stamp = directoryStamp(ref.partitionDir)
    const check = verifyOnce(ref, look === 1 ? options : {...options, onProgress: undefined})
    if (check.faults.length === 0) return check
    const settled = stamp === directoryStamp(ref.partitionDir) && !isLockedElsewhere(path.join(ref.partitionDir, CLEANER_LOCK_FILE))
    if (settled || (previous !== undefined && sameFaults(previous, check)) || look === MAX_LOOKS) return check
    previous = check
    waitUntilUnlocked(path.join(ref.partitionDir, WRITE_LOCK_FILE))
  }
}

// A cleaner swapping again and again could keep the faults changing; after this many looks the last is reported.
const MAX_LOOKS = 5

function sameFaults(a: PartitionCheck, b: PartitionCheck): boolean {
  const key = (c: PartitionCheck) => JSON.stringify(c.faults.map((f) => [f.segment, f.file, f.kind, f.position, f.offset, f.message]))
  return key(a) === key(b)
}

function verifyOnce(ref: PartitionRef, options: VerifyOptions): PartitionCheck {
  const bases = listSegmentBases(ref.partitionDir)
  // Gaps are normal once a partition has been compacted; before that, offsets are contiguous.
  const strict = !isCompacted(ref.config.cleanupPolicy) && !fs.existsSync(path.join(ref.partitionDir, CLEANER_CHECKPOINT_FILE))
  // Offsets that `log repair` cut with the damaged batch holding them: a gap, not a damaged field.
  const gaps = strict ? readOffsetGaps(ref.partitionDir) : []
  const segments: SegmentCheck[] = []
  for (let i = 0; i < bases.length; i++) {
    const check = verifySegment(ref, bases[i], i === bases.length - 1, strict, gaps, options.holdingWriteLock ?? false)
    if (check === undefined) continue
    const previous = segments.at(-1)
    if (previous?.lastOffset !== undefined && previous.lastOffset >= check.baseOffset) {
      check.faults.unshift(fault(ref, check.baseOffset, 'log', 'segment', 0, previous.lastOffset,
        `segment ${previous.baseOffset} ends at offset ${previous.lastOffset}, at or past the base offset of the next segment ${check.baseOffset}`))
    }
    segments.push(check)
    options.onProgress?.(check.sizeBytes)
  }
  return {
    topic: ref.topic,
    partition: ref.partition,
    segments,
    batches: segments.reduce((n, s) => n + s.batches, 0),
    bytes: segments.reduce((n, s) => n + s.sizeBytes, 0),
    faults: segments.flatMap((s) => s.faults),
    strict,
  }
}

const cursor = new RecordCursor()

/**
 * A compressed batch's CRC covers the compressed bytes only, so a sound CRC does not say the
 * records decode: decompress them (bounded, see RecordCursor) and count them against the header.
 */
function compressedRecordsProblem(batch: Buffer): string | undefined {
  if ((batch.readInt16BE(BATCH.attributes) & 0x20) !== 0) return undefined
  try {
    cursor.reset(batch, 0)
    let count = 0
    while (cursor.next()) count++
    const declared = batch.readInt32BE(BATCH.recordsCount)
    return count === declared ? undefined : `the ${codecName(cursor.codec)} records decode to ${count} records, the header says ${declared}`
  } catch (error) {
    return (error as Error).message
  }
}

interface BatchSeen {
  position: number
  lastOffset: number
  runningMaxTimestamp: number
}

function verifySegment(ref: PartitionRef, base: number, active: boolean, strict: boolean, gaps: OffsetGap[], holdingWriteLock: boolean): SegmentCheck | undefined {
  const paths = segmentPaths(ref.partitionDir, base)
  let fd: number
  try {
    fd = fs.openSync(paths.log, 'r')
  } catch {
    return undefined // deleted by retention while we looked
  }
  const faults: Fault[] = []
  const seen: BatchSeen[] = []
  // Transaction markers by offset, for the .txnindex check.
  const markers = new Map<number, {producerId: number; type: MarkerType | undefined}>()
  let validEnd: number | undefined
  let size = 0
  try {
    size = fs.fstatSync(fd).size
    const file = new FileWindow(fd, size)
    let position = 0
    let previousLast = base - 1
    let beforePrevious = base - 1
    let runningMax = Number.NEGATIVE_INFINITY
    let resynced = false
    const damage = (at: number, offset: number | undefined, message: string, kind: FaultKind = 'batch'): void => {
      faults.push(fault(ref, base, 'log', kind, at, offset, message))
      validEnd = Math.min(validEnd ?? at, at)
    }
    while (position < size) {
      const header = file.view(position, Math.min(BATCH_HEADER_SIZE, size - position))!
      const claimed = header.length >= BATCH.batchLength ? readInt64(header, BATCH.baseOffset) : undefined
      let problem: string | undefined
      let sizeBytes = 0
      if (header.length < LOG_OVERHEAD) problem = `${header.length} trailing bytes are shorter than a batch header`
      else {
        sizeBytes = header.readInt32BE(BATCH.batchLength) + LOG_OVERHEAD
        if (sizeBytes < BATCH_HEADER_SIZE) problem = `batch length ${sizeBytes - LOG_OVERHEAD} is below the minimum`
        else if (header.length > BATCH.magic && header.readInt8(BATCH.magic) !== MAGIC_V2) problem = `magic byte ${header.readInt8(BATCH.magic)} is not 2`
        else if (position + sizeBytes > size) {
          if (active && !holdingWriteLock && writerIsActive(ref.partitionDir)) break // a write in progress
          problem = `a batch of ${sizeBytes} bytes runs past the end of the segment (${size - position} bytes left): torn write or cut file`
        } else if (!isBatchCrcValid(file.view(position, sizeBytes)!, 0, sizeBytes)) problem = 'CRC-32C mismatch'
        else if (header.readInt32BE(BATCH.partitionLeaderEpoch) !== 0) problem = `partitionLeaderEpoch is ${header.readInt32BE(BATCH.partitionLeaderEpoch)}, but strom writes 0: the batch header is damaged`
        else if ((header.readInt16BE(BATCH.attributes) & 0x07) !== 0) problem = compressedRecordsProblem(file.view(position, sizeBytes)!)
      }
      if (problem !== undefined) {
        damage(position, claimed, problem)
        const resume = findNextValidBatch(fd, position + 1, size)
        if (resume === undefined) break
        position = resume
        resynced = true
        continue
      }
      const baseOffset = claimed!
      const lastOffset = baseOffset + header.readInt32BE(BATCH.lastOffsetDelta)
      const expected = previousLast + 1
      if (resynced) {
        // After damaged bytes the offsets they held are unknown: take up the sequence again here.
        resynced = false
        if (baseOffset < base || baseOffset <= previousLast) damage(position, baseOffset, `batch offset ${baseOffset} is not above ${Math.max(previousLast, base - 1)}: the base offset field is damaged`, 'offset')
        beforePrevious = previousLast
        previousLast = Math.max(previousLast, lastOffset)
      } else if (strict && baseOffset !== expected && !gaps.some((g) => g.from === expected && g.to === baseOffset - 1)) {
        damage(position, baseOffset, `batch offset ${baseOffset} where ${expected} was expected: the base offset field is damaged`, 'offset')
        // Trust the sequence, not the damaged field, so the batches after it are judged fairly.
        previousLast = expected + header.readInt32BE(BATCH.lastOffsetDelta)
      } else if (baseOffset < base || baseOffset <= previousLast) {
        const previous = seen.at(-1)
        if (previous !== undefined && baseOffset > beforePrevious) {
          // This batch follows on from the one before the previous: the previous batch's offset jumped.
          damage(previous.position, previous.lastOffset, `batch offsets jump to ${previous.lastOffset} and back to ${baseOffset} in the next batch: the base offset field is damaged`, 'offset')
        } else {
          damage(position, baseOffset, `batch offset ${baseOffset} is not above ${Math.max(previousLast, base - 1)}: the base offset field is damaged`, 'offset')
        }
        beforePrevious = previousLast
        previousLast = Math.max(previousLast, lastOffset)
      } else {
        beforePrevious = previousLast
        previousLast = lastOffset
      }
      if (isControlBatch(header.readInt16BE(BATCH.attributes))) {
        // A sound batch that is not a well-formed marker: reported, but not damage (repair keeps it).
        const control = decodeControlBatch(file.view(position, sizeBytes)!, 0, sizeBytes)
        if (control.problem !== undefined) faults.push(fault(ref, base, 'log', 'marker', position, baseOffset, `control batch is not a well-formed transaction marker: ${control.problem}`))
        markers.set(baseOffset, {producerId: readInt64(header, BATCH.producerId), type: control.problem === undefined ? control.records[0].type : undefined})
      }
      runningMax = Math.max(runningMax, readInt64(header, BATCH.maxTimestamp))
      seen.push({position, lastOffset: previousLast, runningMaxTimestamp: runningMax})
      position += sizeBytes
    }
  } finally {
    fs.closeSync(fd)
  }
  const indexFaults = [...checkOffsetIndex(ref, base, paths.index, seen, active, size), ...checkTimeIndex(ref, base, paths.timeIndex, seen, active)]
  faults.push(...indexFaults)
  faults.push(...checkTxnIndex(ref, base, markers, active, seen.at(-1)?.lastOffset))
  return {
    baseOffset: base,
    active,
    sizeBytes: size,
    validEnd: validEnd ?? size,
    lastOffset: seen.at(-1)?.lastOffset,
    batches: seen.length,
    faults,
    indexesSound: indexFaults.length === 0,
  }
}

function checkOffsetIndex(ref: PartitionRef, base: number, file: string, seen: BatchSeen[], active: boolean, logSize: number): Fault[] {
  const bytes = readOptional(file)
  if (bytes === undefined) return [fault(ref, base, 'index', 'index', 0, undefined, 'the offset index is missing')]
  const faults: Fault[] = []
  const usable = bytes.length - (bytes.length % OFFSET_INDEX_ENTRY_SIZE)
  if (usable !== bytes.length && !active) faults.push(fault(ref, base, 'index', 'index', usable, undefined, `the offset index ends with a partial entry (${bytes.length} bytes)`))
  const byPosition = new Map(seen.map((b) => [b.position, b.lastOffset]))
  let previousOffset = -1
  let previousPosition = -1
  for (let at = 0; at < usable; at += OFFSET_INDEX_ENTRY_SIZE) {
    const offset = base + bytes.readInt32BE(at)
    const position = bytes.readInt32BE(at + 4)
    // Entries are written after their batch: ones past what we read belong to appends made since.
    if (active && position >= logSize) break
    let problem: string | undefined
    if (offset <= previousOffset || position <= previousPosition) problem = 'entries do not strictly increase'
    else if (!byPosition.has(position)) problem = `points at byte ${position}, which is not the start of a valid batch`
    else if (byPosition.get(position) !== offset) problem = `says the batch at byte ${position} ends at offset ${offset}, but it ends at ${byPosition.get(position)}`
    if (problem !== undefined) {
      faults.push(fault(ref, base, 'index', 'index', at, offset, `offset index entry ${at / OFFSET_INDEX_ENTRY_SIZE} ${problem}`))
      break // one report per index: it is rebuilt as a whole
    }
    previousOffset = offset
    previousPosition = position
  }
  return faults
}

function checkTimeIndex(ref: PartitionRef, base: number, file: string, seen: BatchSeen[], active: boolean): Fault[] {
  const bytes = readOptional(file)
  if (bytes === undefined) return [fault(ref, base, 'timeindex', 'timeindex', 0, undefined, 'the time index is missing')]
  const faults: Fault[] = []
  const usable = bytes.length - (bytes.length % TIME_INDEX_ENTRY_SIZE)
  if (usable !== bytes.length && !active) faults.push(fault(ref, base, 'timeindex', 'timeindex', usable, undefined, `the time index ends with a partial entry (${bytes.length} bytes)`))
  const lastOffset = seen.at(-1)?.lastOffset ?? base - 1
  let previousTimestamp = Number.NEGATIVE_INFINITY
  let previousOffset = base - 1
  let batch = 0
  for (let at = 0; at < usable; at += TIME_INDEX_ENTRY_SIZE) {
    const timestamp = readInt64(bytes, at)
    const offset = base + bytes.readInt32BE(at + 8)
    if (active && offset > lastOffset) break
    let problem: string | undefined
    if (timestamp <= previousTimestamp || offset < previousOffset) problem = 'entries do not increase'
    else if (offset > lastOffset) problem = `names offset ${offset}, past the segment's last offset ${lastOffset}`
    else {
      while (batch < seen.length - 1 && seen[batch].lastOffset < offset) batch++
      if (seen[batch] !== undefined && seen[batch].runningMaxTimestamp > timestamp) problem = `says records up to offset ${offset} are at most ${timestamp}, but one has ${seen[batch].runningMaxTimestamp}`
    }
    if (problem !== undefined) {
      faults.push(fault(ref, base, 'timeindex', 'timeindex', at, offset, `time index entry ${at / TIME_INDEX_ENTRY_SIZE} ${problem}`))
      break
    }
    previousTimestamp = timestamp
    previousOffset = offset
  }
  return faults
}

/**
 * Every `.txnindex` entry names the ABORT marker that ended its transaction: a control batch of the
 * same producer at the entry's lastOffset, in this segment (the entry is appended to the index of
 * the segment the marker was written to). A torn last entry is a fault in a closed segment only (in
 * the active one it may be an append in progress).
 */
function checkTxnIndex(ref: PartitionRef, base: number, markers: Map<number, {producerId: number; type: MarkerType | undefined}>, active: boolean, lastOffset: number | undefined): Fault[] {
  const {entries, trailingBytes} = readTxnIndexFile(path.join(ref.partitionDir, segmentPrefix(base) + TXN_INDEX_SUFFIX))
  const faults: Fault[] = []
  const txnFault = (index: number, offset: number | undefined, message: string) => faults.push(fault(ref, base, 'txnindex', 'txnindex', index * ABORTED_TXN_SIZE, offset, message))
  entries.forEach((entry, i) => {
    const what = `aborted-transaction index entry ${i} (producer ${entry.producerId}, offsets ${entry.firstOffset}..${entry.lastOffset})`
    if (entry.version !== 0) return txnFault(i, entry.lastOffset, `${what} has version ${entry.version} (0 expected)`)
    if (entry.firstOffset > entry.lastOffset) return txnFault(i, entry.lastOffset, `${what} starts after its marker`)
    // Written after its marker: in the active segment an entry past what was read is an append since.
    if (active && lastOffset !== undefined && entry.lastOffset > lastOffset) return
    const marker = markers.get(entry.lastOffset)
    if (marker === undefined) return txnFault(i, entry.lastOffset, `${what} names offset ${entry.lastOffset}, which holds no transaction marker in this segment`)
    if (marker.producerId !== entry.producerId) return txnFault(i, entry.lastOffset, `${what} names the marker at offset ${entry.lastOffset}, which belongs to producer ${marker.producerId}`)
    if (marker.type !== 'ABORT') return txnFault(i, entry.lastOffset, `${what} names the marker at offset ${entry.lastOffset}, which is ${marker.type === undefined ? 'not a well-formed marker' : `a ${marker.type}`}, not an ABORT`)
  })
  if (trailingBytes > 0 && !active) txnFault(entries.length, undefined, `the aborted-transaction index ends with a partial entry (${trailingBytes} bytes)`)
  return faults
}

function fault(ref: PartitionRef, segment: number, suffix: 'log' | 'index' | 'timeindex' | 'txnindex', kind: FaultKind, position: number, offset: number | undefined, message: string): Fault {
  const file = suffix === 'txnindex' ? segmentPrefix(segment) + TXN_INDEX_SUFFIX : path.basename(segmentPaths(ref.partitionDir, segment)[suffix === 'timeindex' ? 'timeIndex' : suffix])
  return {topic: ref.topic, partition: ref.partition, segment, file, kind, position, offset, message}
}

function readOptional(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** A producer holds the write lock (probed read-only: verify never creates or locks anything). */
function writerIsActive(partitionDir: string): boolean {
  return isLockedElsewhere(path.join(partitionDir, WRITE_LOCK_FILE))
}

/** A damaged group file (state.json or offsets.json): its checksum or its shape is wrong. */
export interface GroupFault {
  group: string
  file: string
  message: string
  hint: string
}

/**
 * Checks every group's state.json and offsets.json (checksum for version 2 files, shape for all),
 * read-only and without the group lock: the files are replaced atomically, so a read sees a whole
 * version.
 */
export function verifyGroups(logDir: string): GroupFault[] {
  const faults: GroupFault[] = []
  for (const group of GroupStore.list(logDir)) {
    const store = new GroupStore(logDir, group)
    for (const read of [() => store.readState(), () => store.readOffsets()]) {
      try {
        read()
      } catch (error) {
        if (!(error instanceof GroupFileDamage)) throw error
        faults.push({group, file: error.file, message: error.message, hint: error.hint ?? ''})
      }
    }
  }
  return faults
}

/** A transaction state file that cannot be read (checksum, JSON or shape, or a newer version). */
export interface TransactionFault {
  transactionalDir: string
  file: string
  message: string
  hint: string
}

/** Checks every `transactions/<id>/state.json` (read-only, no lock: the files are replaced atomically). */
export function verifyTransactions(logDir: string): TransactionFault[] {
  const faults: TransactionFault[] = []
  for (const {dirName, file} of transactionStateFiles(logDir)) {
    try {
      readTxnState(file)
    } catch (error) {
      if (!(error instanceof StromError)) throw error
      faults.push({transactionalDir: dirName, file, message: error.message, hint: error.hint ?? ''})
    }
  }
  return faults
}
