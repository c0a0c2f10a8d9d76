/**
 * Reads one partition without taking any lock. Batches are written with one pwrite under the
 * writer's lock, and a reader only hands out batches whose full length is already in the file, so
 * it never sees a partial batch. A batch that runs past the end of the file is either still being
 * written or torn by a writer that died; either way it is "not there yet" for a reader, and the
 * next writer cuts a torn one. Readers never write to the log directory (no recovery, no lock, no
 * index rebuild: a read-only directory reads fine); damage that is not an incomplete last batch
 * stops them with CORRUPT_SEGMENT (or is stepped over with --skip-corrupt).
 */
import fs from 'node:fs'
import {StromError} from '../errors.js'
import {FdHolder, fdCache, openWithRoom} from '../io/fd-cache.js'
import {BATCH, BATCH_HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2, RecordCursor, batchSizeAt, isBatchCrcValid, readInt64} from '../format/record-batch.js'
import {Segment} from '../segment/segment.js'
import {readFully, scanBatches} from '../segment/batch-scan.js'
import {directoryStamp, listPartitionDir, readLogStartCheckpoint} from './partition-files.js'
import {findNextValidBatch} from '../maintenance/resync.js'

const DEFAULT_READ_BYTES = 1024 * 1024
// Room after a default-sized read for the rest of the batch it cut short (see PartitionCursor.read):
// strom's producer makes batches of up to 256 KiB by default. It makes a cursor's buffer 1.25 MiB.
const DEFAULT_SPARE_BYTES = 256 * 1024
// A length field beyond this is damage, not a batch (max.message.bytes is capped at 1 GiB).
const MAX_BATCH_BYTES = 2 ** 30 + 1024

export interface PartitionReaderOptions {
  /** How the partition is named in messages, e.g. `logs/0` (default: `partition N`). */
  label?: string
  /** Where a reader reports that retention moved it (default: nowhere). */
  onWarning?: (message: string) => void
}

/** A batch that `--skip-corrupt` stepped over. */
export interface SkippedCorruption {
  /** `topic/partition` */
  where: string
  partition: number
  segment: number
  position: number
  bytes: number
  /** Offset claimed by the damaged header, when it could be read. */
  offset?: number
  reason: string
}

export class PartitionReader {
  private bases: number[] = []
  private stamp = -1n
  readonly label: string

  constructor(readonly partitionDir: string, readonly partition: number, private readonly options: PartitionReaderOptions = {}) {
    this.label = options.label ?? `partition ${partition}`
  }

  /**
   * Per segment file (base offset → inode): the bytes below `end` were read as whole batches whose
   * CRCs a cursor of this reader found right. A server reading the same bytes again for another
   * consumer (or the same one, again) does not check them again; a replaced file (compaction) has
   * another inode, and a file found shorter than `end` (cut by `log repair`) is forgotten.
   */
  private readonly verified = new Map<number, {ino: number; end: number}>()

  /** The end of the verified prefix of segment `base`'s file with inode `ino` (0: none). */
  verifiedEnd(base: number, ino: number): number {
    const entry = this.verified.get(base)
    return entry !== undefined && entry.ino === ino ? entry.end : 0
  }

  /** Bytes [from, to) of that file are whole batches with right CRCs; they extend the verified prefix if they join it. */
  noteVerified(base: number, ino: number, from: number, to: number): void {
    const end = this.verifiedEnd(base, ino)
    if (from <= end && to > end) this.verified.set(base, {ino, end: to})
  }

  /** The file of segment `base` is shorter than its verified prefix: it was cut, forget the prefix. */
  forgetVerified(base: number): void {
    this.verified.delete(base)
  }

  /** Segment base offsets, re-listed only when the directory changed. */
  private listedAtMs = 0
  private stampCheckedAtMs = 0

  segmentBases(): number[] {
    // Several questions in a row (start, end, size, segment count) share one directory stat.
    const now = Date.now()
    if (now - this.stampCheckedAtMs < 20 && this.stamp >= 0n) return this.bases
    this.stampCheckedAtMs = now
    const stamp = directoryStamp(this.partitionDir)
    // Directory mtimes tick every few ms: a listing taken within the same tick as the last change
    // may have missed a file created right after it (a roll creates three), so it is not trusted.
    if (stamp !== this.stamp || this.listedAtMs - Number(stamp / 1_000_000n) < 50) {
      this.listedAtMs = Date.now()
      const listing = listPartitionDir(this.partitionDir)
      this.bases = listing.bases
      if (this.verified.size > 0) {
        // Segments deleted by retention (or merged by compaction) keep no verified prefix.
        const listed = new Set(listing.bases)
        for (const base of this.verified.keys()) if (!listed.has(base)) this.verified.delete(base)
      }
      if (listing.hasLogStartCheckpoint !== this.checkpointListed) this.checkpointCache = undefined
      this.checkpointListed = listing.hasLogStartCheckpoint
      this.stamp = stamp
    }
    return this.bases
  }

  /** Re-lists the segments even if the directory's mtime did not change (it is coarse). */
  refreshSegmentBases(): number[] {
    this.stamp = -1n
    return this.segmentBases()
  }

  warn(message: string): void {
    this.options.onWarning?.(`${this.label}: ${message}`)
  }

  logStartOffset(): number {
    const bases = this.segmentBases()
    const first = bases.length === 0 ? 0 : bases[0]
    // The checkpoint is replaced by rename, which changes the directory stamp: cache it by stamp.
    if (this.checkpointCache === undefined || this.checkpointCache.stamp !== this.stamp) {
      // The listing behind this stamp tells whether there is a checkpoint to read (most partitions
      // have none, and a failed open costs an exception).
      this.checkpointCache = {stamp: this.stamp, value: this.checkpointListed ? readLogStartCheckpoint(this.partitionDir) : 0}
    }
    return Math.max(first, this.checkpointCache.value)
  }

  private checkpointCache: {stamp: bigint; value: number} | undefined
  /** Whether the listing taken at `stamp` had a log start checkpoint. */
  private checkpointListed = true
  /**
   * The last segment's end as of its size and mtime; `ino` and `validEnd` (the byte after its last
   * complete batch) let a file that only grew be scanned from there instead of from its last index
   * entry: serve asks after every append.
   */
  private endCache: ({base: number; size: number; mtimeNs: bigint; ino: bigint; checkedAtMs: number} & SegmentEnd) | undefined

  /** The offset after the last complete batch (Kafka's log end offset / high watermark). */
  endOffset(): number {
    const bases = this.segmentBases()
    // Dashboards and lag ask often: when the last segment did not change, neither did the end.
    const lastBase = bases[bases.length - 1]
    if (lastBase !== undefined) {
      const stat = fs.statSync(new Segment(this.partitionDir, lastBase).paths.log, {bigint: true, throwIfNoEntry: false})
      if (stat !== undefined) {
        const cache = this.endCache
        if (cache !== undefined && cache.base === lastBase && cache.size === Number(stat.size) && cache.mtimeNs === stat.mtimeNs) {
          cache.checkedAtMs = Date.now()
          return cache.end
        }
        // Appends only add whole batches after validEnd; a file that shrank or was replaced (repair,
        // recovery, compaction's swap) is scanned as if never seen.
        const grown = cache !== undefined && cache.base === lastBase && cache.ino === stat.ino && Number(stat.size) > cache.size ? cache : undefined
        // An empty last segment (a new topic, or just rolled) ends where it starts.
        const found = stat.size === 0n ? {end: lastBase, validEnd: 0} : segmentEndOffset(this.partitionDir, lastBase, grown)
        if (found !== undefined) {
          this.endCache = {...found, base: lastBase, size: Number(stat.size), mtimeNs: stat.mtimeNs, ino: stat.ino, checkedAtMs: Date.now()}
          return found.end
        }
      }
    }
    for (let i = bases.length - 1; i >= 0; i--) {
      const found = segmentEndOffset(this.partitionDir, bases[i])
      if (found !== undefined) return found.end
    }
    return this.logStartOffset()
  }

  /** Total bytes of the partition's `.log` files. */
  sizeBytes(): number {
    const bases = this.segmentBases()
    const last = bases[bases.length - 1]
    // Closed segments change only by retention or compaction, which change the directory stamp.
    if (this.closedSizeCache === undefined || this.closedSizeCache.stamp !== this.stamp) {
      let closed = 0
      for (const base of bases.slice(0, -1)) closed += new Segment(this.partitionDir, base).logSize()
      this.closedSizeCache = {stamp: this.stamp, bytes: closed}
    }
    if (last === undefined) return 0
    if (this.endCache === undefined || Date.now() - this.endCache.checkedAtMs >= 20) this.endOffset() // refreshes the last segment's size
    const cached = this.endCache
    const lastSize = cached !== undefined && cached.base === last ? cached.size : new Segment(this.partitionDir, last).logSize()
    return this.closedSizeCache.bytes + lastSize
  }

  private closedSizeCache: {stamp: bigint; bytes: number} | undefined

  /** Total bytes of the partition's `.log` files, each one measured now. */
  sizeBytesUncached(): number {
    let total = 0
    for (const base of this.segmentBases()) {
      try {
        total += fs.statSync(new Segment(this.partitionDir, base).paths.log).size
      } catch {
        // deleted by retention while we looked
      }
    }
    return total
  }

  /** The first offset whose record timestamp is >= `timestamp`, or the end offset when none is. */
  offsetForTimestamp(timestamp: number): number {
    return this.recordAtOrAfter(timestamp)?.offset ?? this.endOffset()
  }

  /**
   * The first record at or above `fromOffset` whose timestamp is >= `timestamp`: its offset and
   * its own timestamp (what Kafka's ListOffsets answers), or undefined when there is none.
   */
  recordAtOrAfter(timestamp: number, fromOffset = 0): {offset: number; timestamp: number} | undefined {
    const bases = this.segmentBases()
    for (let i = 0; i < bases.length; i++) {
      if (i < bases.length - 1 && bases[i + 1] <= fromOffset) continue
      const found = findTimestampInSegment(this.partitionDir, bases[i], timestamp, i < bases.length - 1, fromOffset)
      if (found !== undefined) return found
    }
    return undefined
  }

  /**
   * `readBytes`: the size of each read (by default 1 MiB, and then a chunk may also hold the rest of
   * a batch the read cut short, when that rest fits in 256 KiB). A batch larger than `readBytes`
   * grows the reads to its size from then on. `skipCorrupt`: step over damaged batches, reporting
   * each, instead of failing with CORRUPT_SEGMENT.
   */
  openCursor(fromOffset: number, options: {checkCrcs?: boolean; readBytes?: number; skipCorrupt?: (skipped: SkippedCorruption) => void} = {}): PartitionCursor {
    const spareBytes = options.readBytes === undefined ? DEFAULT_SPARE_BYTES : 0
    return new PartitionCursor(this, fromOffset, options.checkCrcs ?? true, options.readBytes ?? DEFAULT_READ_BYTES, spareBytes, options.skipCorrupt)
  }
}

/** Where a segment ends: its end offset, the byte after its last complete batch, and that batch's position and CRC. */
interface SegmentEnd {
  end: number
  validEnd: number
  /** The last complete batch: its position, and its CRC field once read (withLastBatch). */
  last?: {position: number; crc?: number}
}

/**
 * Where one segment ends, or undefined when the file is gone. `known`: an earlier answer for the
 * same file, which has grown since: when the batch it ended with is still there, unchanged (its
 * CRC, and its length reaching validEnd), the scan starts at its validEnd; else (the file was cut
 * and written again) from the last index entry, as without it.
 */
function segmentEndOffset(partitionDir: string, base: number, known?: SegmentEnd): SegmentEnd | undefined {
  const segment = new Segment(partitionDir, base)
  let fd: number
  try {
    fd = fs.openSync(segment.paths.log, 'r')
  } catch {
    return undefined
  }
  try {
    const size = fs.fstatSync(fd).size
    if (known?.last !== undefined && known.validEnd <= size && batchStillThere(fd, known.last, known.validEnd)) {
      const scan = scanBatches(fd, known.validEnd, size, {verifyCrc: false, minBaseOffset: known.end})
      if (scan.stop !== 'corrupt' || scan.validEnd > known.validEnd) return withLastBatch(fd, scan.lastBatch === undefined ? known : {end: scan.lastBatch.lastOffset + 1, validEnd: scan.validEnd, last: {position: scan.lastBatch.position}})
    }
    const index = segment.readOffsetIndex()
    const last = index?.last()
    const from = last !== undefined && last.position < size ? last.position : 0
    let scan = scanBatches(fd, from, size, {verifyCrc: false})
    // An index entry that does not point at a batch is stale: do not trust it.
    if (from > 0 && scan.stop === 'corrupt' && scan.validEnd === from) scan = scanBatches(fd, 0, size, {verifyCrc: false})
    // No complete batch (an empty new segment, or its first batch still being written): it starts at its base.
    if (scan.lastBatch === undefined) return {end: base, validEnd: scan.validEnd}
    return withLastBatch(fd, {end: scan.lastBatch.lastOffset + 1, validEnd: scan.validEnd, last: {position: scan.lastBatch.position}})
  } finally {
    fs.closeSync(fd)
  }
}

/** The answer with its last batch's CRC read from the file (what batchStillThere compares later). */
function withLastBatch(fd: number, found: SegmentEnd): SegmentEnd {
  if (found.last === undefined || found.last.crc !== undefined) return found
  const crc = Buffer.alloc(4)
  if (readFully(fd, crc, 4, found.last.position + BATCH.crc) < 4) return {end: found.end, validEnd: found.validEnd}
  return {...found, last: {position: found.last.position, crc: crc.readUInt32BE(0)}}
}

/** The batch at `last.position` still has that CRC and ends at validEnd: the file was only appended to. */
function batchStillThere(fd: number, last: {position: number; crc?: number}, validEnd: number): boolean {
  if (last.crc === undefined) return false
  const header = Buffer.alloc(BATCH.crc + 4)
  if (readFully(fd, header, header.length, last.position) < header.length) return false
  return last.position + header.readInt32BE(BATCH.batchLength) + LOG_OVERHEAD === validEnd && header.readUInt32BE(BATCH.crc) === last.crc
}

function findTimestampInSegment(partitionDir: string, base: number, target: number, closed: boolean, fromOffset: number): {offset: number; timestamp: number} | undefined {
  const segment = new Segment(partitionDir, base)
  const timeIndex = segment.readTimeIndex()
  const largest = timeIndex?.lastTimestamp()
  if (closed && largest !== undefined && largest < target) return undefined
  const before = timeIndex?.offsetBefore(target)
  const index = segment.readOffsetIndex()
  const from = before === undefined || index === undefined ? 0 : index.positionFor(before + 1)
  let fd: number
  try {
    fd = fs.openSync(segment.paths.log, 'r')
  } catch {
    return undefined
  }
  try {
    let found: {offset: number; timestamp: number} | undefined
    const cursor = new RecordCursor()
    scanBatches(fd, from, fs.fstatSync(fd).size, {
      verifyCrc: false,
      onBatch(batch) {
        if (batch.maxTimestamp < target) return true
        const bytes = Buffer.allocUnsafe(batch.sizeBytes)
        readFully(fd, bytes, batch.sizeBytes, batch.position)
        cursor.reset(bytes, 0)
        while (cursor.next()) {
          if (cursor.timestamp >= target && cursor.offset >= fromOffset) {
            found = {offset: cursor.offset, timestamp: cursor.timestamp}
            return false
          }
        }
        return true
      },
    })
    return found
  } finally {
    fs.closeSync(fd)
  }
}

/** Whole batches read from one segment: `buffer[start, end)` holds complete batches. */
export interface BatchChunk {
  buffer: Buffer
  start: number
  end: number
}

/**
 * A sequential reader over a partition from an offset. `read()` returns the next chunk of complete
 * batches, or undefined when nothing more is there right now (the caller waits and asks again).
 * The chunk's buffer is reused by the next read.
 *
 * Its segment file stays open between reads only as long as the process-wide descriptor budget
 * allows (io/fd-cache.ts). Closed by the budget, it reopens the segment at the next read and goes
 * on from the same byte if the file is still the same one (its inode); otherwise it finds its next
 * offset again, as it does when compaction replaced the file under it.
 */
export class PartitionCursor implements FdHolder {
  private segmentBase = -1
  private fd: number | undefined
  /** The budget closed `fd`: segmentBase, ino and position still say where the cursor was. */
  private suspended = false
  private ino = -1
  private position = 0
  private buffer: Buffer
  nextOffset: number

  /** `spareBytes`: room after each read of the buffer's first part for completing its last batch. */
  constructor(private readonly reader: PartitionReader, fromOffset: number, private readonly checkCrcs: boolean, private readonly readBytes: number,
    private readonly spareBytes: number, private readonly skipCorrupt?: (skipped: SkippedCorruption) => void) {
    this.nextOffset = fromOffset
    this.buffer = Buffer.allocUnsafe(readBytes + spareBytes)
  }

  get partition(): number {
    return this.reader.partition
  }

  /**
   * Gives the caller the buffer the last read() returned, to keep (its chunk stays valid), and
   * reads into `replacement` from then on: a server that sends chunks as they are can recycle the
   * buffers once they are written instead of copying each chunk. The replacement must be as large
   * as the buffer the cursor reads into (readBytes, plus its spare room); otherwise, or without
   * one, a new buffer is allocated.
   */
  handOver(replacement?: Buffer): Buffer {
    const given = this.buffer
    this.buffer = replacement !== undefined && replacement.length === this.standardBytes ? replacement : Buffer.allocUnsafe(this.standardBytes)
    return given
  }

  /** The size of the buffer reads go into (a batch larger than it gets one of its own size). */
  get standardBytes(): number {
    return this.readBytes + this.spareBytes
  }

  read(): BatchChunk | undefined {
    for (;;) {
      if (this.fd === undefined && this.suspended) this.resume()
      else if (this.fd !== undefined) fdCache.touch(this, 1)
      if (this.fd === undefined && !this.locate()) return undefined
      const fd = this.fd!
      let want = this.buffer.length - this.spareBytes
      let length = readFully(fd, this.buffer, want, this.position)
      if (length < want && this.checkCrcs && this.position + length < this.reader.verifiedEnd(this.segmentBase, this.ino)) this.reader.forgetVerified(this.segmentBase)
      if (length >= LOG_OVERHEAD) {
        const firstSize = batchSizeAt(this.buffer, 0)
        if (firstSize > this.buffer.length && firstSize <= MAX_BATCH_BYTES) {
          this.buffer = Buffer.allocUnsafe(firstSize + this.spareBytes)
          want = firstSize
          length = readFully(fd, this.buffer, firstSize, this.position)
        }
      }
      let {end, damaged} = this.completeBatches(0, length)
      // The read stopped inside a batch that fits in the spare room: read just the rest of it, instead
      // of reading those bytes again at the start of the next read (a third of all bytes read, with
      // 1 MiB reads of 256 KiB batches). Only when the read was full, so the file went on past it.
      // (A rest larger than the spare room is read again next time, as before.)
      if (damaged === undefined && length === want && end + LOG_OVERHEAD <= length) {
        const batchEnd = end + batchSizeAt(this.buffer, end)
        if (batchEnd > length && batchEnd <= this.buffer.length) {
          length += readFully(fd, this.buffer, batchEnd - length, this.position + length, length)
          ;({end, damaged} = this.completeBatches(end, length))
        }
      }
      if (end > 0) {
        this.position += end
        const lastStart = lastBatchStart(this.buffer, end)
        this.nextOffset = Math.max(this.nextOffset, readInt64(this.buffer, lastStart) + this.buffer.readInt32BE(lastStart + BATCH.lastOffsetDelta) + 1)
        return {buffer: this.buffer, start: 0, end}
      }
      const bases = this.reader.segmentBases()
      const next = bases.find((base) => base > this.segmentBase)
      // Bytes that cannot be a batch, or a batch cut short in a segment that is no longer written to.
      if (damaged === undefined && next !== undefined && length > 0) damaged = `${length < LOG_OVERHEAD ? 'trailing bytes shorter than a batch header' : 'a batch runs past the end'} of a closed segment`
      if (damaged !== undefined) {
        if (this.stepOverDamage(fd, length, damaged, next)) continue
        return undefined
      }
      if (next === undefined) {
        // Retention may have rolled and deleted this segment within the directory's mtime granularity.
        if (this.currentFileReplaced()) this.reader.refreshSegmentBases()
        return undefined
      }
      // A later segment exists, so this one is finished, unless compaction replaced it with a file
      // that holds offsets we have not read yet: then find our offset in the new file.
      const replaced = this.currentFileReplaced()
      this.closeFd()
      if (replaced) continue
      const logStart = this.reader.logStartOffset()
      if (this.nextOffset < next && this.nextOffset < logStart) {
        this.reader.warn(`offsets ${this.nextOffset} to ${Math.min(next, logStart) - 1} were deleted by retention before this reader got to them; continuing at ${Math.max(next, Math.min(next, logStart))}`)
      }
      this.nextOffset = Math.max(this.nextOffset, next)
      if (!this.openSegment(next, 0)) continue
    }
  }

  /**
   * Walks the whole, valid batches of buffer[from, length): where they end, and what is wrong with
   * the bytes after them, if anything is (an incomplete last batch is not damage).
   */
  private completeBatches(from: number, length: number): {end: number; damaged: string | undefined} {
    const buffer = this.buffer
    // Bytes below verifiedEnd (file positions) were checked by an earlier read of this reader.
    const verifiedEnd = this.checkCrcs ? this.reader.verifiedEnd(this.segmentBase, this.ino) - this.position : 0
    let end = from
    let damaged: string | undefined
    while (end + LOG_OVERHEAD <= length) {
      const size = batchSizeAt(buffer, end)
      if (size < BATCH_HEADER_SIZE || size > MAX_BATCH_BYTES) {
        damaged = `batch length ${size - LOG_OVERHEAD} is not possible`
        break
      }
      if (end + BATCH.magic + 1 <= length && buffer.readInt8(end + BATCH.magic) !== MAGIC_V2) {
        damaged = `magic byte ${buffer.readInt8(end + BATCH.magic)} is not 2`
        break
      }
      if (end + size > length) break
      if (this.checkCrcs && end + size > verifiedEnd && !isBatchCrcValid(buffer, end, size)) {
        damaged = 'CRC-32C mismatch'
        break
      }
      end += size
    }
    if (this.checkCrcs && end > from) this.reader.noteVerified(this.segmentBase, this.ino, this.position + from, this.position + end)
    return {end, damaged}
  }

  /** Moves to another offset (the next read starts at the batch holding it). */
  seek(offset: number): void {
    this.closeFd()
    this.nextOffset = offset
  }

  close(): void {
    this.closeFd()
    fdCache.forget(this)
  }

  /**
   * Damage at the read position: fail with CORRUPT_SEGMENT naming the place, or with skipCorrupt
   * report it and continue at the next valid batch (or the next segment). Returns true to go on.
   */
  private stepOverDamage(fd: number, length: number, reason: string, next: number | undefined): boolean {
    const claimed = length >= 8 ? readInt64(this.buffer, 0) : undefined
    const where = {partition: this.reader.partition, segment: this.segmentBase, position: this.position, offset: claimed}
    if (this.skipCorrupt === undefined) {
      throw new StromError('CORRUPT_SEGMENT', `corrupt data in ${this.reader.label}, segment ${this.segmentBase}, at byte ${this.position}${claimed === undefined ? '' : ` (batch offset ${claimed})`}: ${reason}`, {
        hint: 'see the damage with `strom log verify`, fix it with `strom log repair`, or read past it with --skip-corrupt',
        details: where,
      })
    }
    const size = fs.fstatSync(fd).size
    const resume = findNextValidBatch(fd, this.position + 1, size)
    if (resume === undefined && next === undefined) {
      // The damage runs to the end of the active segment: a writer may still be appending after it.
      if (length < LOG_OVERHEAD || !reason.includes('past the end')) this.reportSkip(where, size - this.position, reason)
      return false
    }
    const until = resume ?? size
    this.reportSkip(where, until - this.position, reason)
    if (resume !== undefined) {
      this.position = resume
      return true
    }
    this.closeFd()
    this.nextOffset = Math.max(this.nextOffset, next!)
    this.openSegment(next!, 0)
    return true
  }

  private reportSkip(where: {partition: number; segment: number; position: number; offset?: number}, bytes: number, reason: string): void {
    if (bytes <= 0) return
    this.skipCorrupt!({...where, where: this.reader.label, bytes, reason})
  }

  /** The open file is no longer the segment's file (compaction replaced it, or retention removed it). */
  private currentFileReplaced(): boolean {
    if (this.fd === undefined) return false
    return new Segment(this.reader.partitionDir, this.segmentBase).statLog()?.ino !== this.ino
  }

  private closeFd(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
    this.suspended = false
    this.segmentBase = -1
  }

  /** The descriptor budget asks: close the segment file, remembering where we were in it. */
  closeIdle(): boolean {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd)
      this.fd = undefined
      this.suspended = true
    }
    return true
  }

  /** Reopens the segment the budget closed; if it is not the same file any more, locate() starts over. */
  private resume(): void {
    const position = this.position
    const ino = this.ino
    this.suspended = false
    if (this.openSegment(this.segmentBase, position) && this.ino === ino) return
    this.closeFd()
  }

  private openSegment(base: number, position: number): boolean {
    fdCache.touch(this, 1)
    try {
      this.fd = openWithRoom(() => fs.openSync(new Segment(this.reader.partitionDir, base).paths.log, 'r'), this)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
    this.ino = fs.fstatSync(this.fd).ino
    this.segmentBase = base
    this.position = position
    return true
  }

  /** Finds the segment and byte position of the batch holding `nextOffset`. */
  private locate(): boolean {
    // A segment listed a moment ago can be gone (retention): list again and retry.
    for (let attempt = 0; attempt < 5; attempt++) {
      const bases = attempt === 0 ? this.reader.segmentBases() : this.reader.refreshSegmentBases()
      if (bases.length === 0) return false
      const logStart = this.reader.logStartOffset()
      if (this.nextOffset < logStart) {
        this.reader.warn(`offset ${this.nextOffset} is below the log start ${logStart} (deleted by retention or delete-records): moved to ${logStart}`)
        this.nextOffset = logStart
      }
      let base = bases[0]
      for (const candidate of bases) if (candidate <= this.nextOffset) base = candidate
      const index = new Segment(this.reader.partitionDir, base).readOffsetIndex()
      if (!this.openSegment(base, 0)) continue
      const size = fs.fstatSync(this.fd!).size
      let from = index === undefined ? 0 : index.positionFor(this.nextOffset)
      if (from >= size) from = 0
      const target = this.nextOffset
      let position = from
      const scan = scanBatches(this.fd!, from, size, {
        verifyCrc: false,
        onBatch(batch) {
          if (batch.lastOffset >= target) {
            position = batch.position
            return false
          }
          position = batch.position + batch.sizeBytes
          return true
        },
      })
      if (scan.stop === 'corrupt' && from > 0) {
        // A stale index entry: scan from the start of the segment instead.
        this.position = 0
        return true
      }
      this.position = position
      return true
    }
    return false
  }
}

function lastBatchStart(buffer: Buffer, end: number): number {
  let at = 0
  let last = 0
  while (at < end) {
    last = at
    at += batchSizeAt(buffer, at)
  }
  return last
}
