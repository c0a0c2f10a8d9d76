/**
 * Appends record batches to one partition, safely among any number of processes.
 *
 * Every append runs under the partition's exclusive write lock, held only for the append itself:
 *   1. catch up with what other processes did since our last append (new segments, batches
 *      appended, a torn tail left by a writer that died: validated and cut here; damage that is
 *      not a torn tail fails the append with CORRUPT_SEGMENT, see recovery.ts);
 *   2. roll to a new segment by size or age;
 *   3. stamp the next offset into the batch header (outside the CRC) and write it with one pwrite;
 *   4. add index entries when due.
 * With `sync`, the data is fdatasync'ed after the lock is released, so concurrent producers share
 * flushes (group commit) and nobody waits for another's disk while holding the lock.
 *
 * Between appends the segment's three files stay open only as long as the process-wide descriptor
 * budget allows (io/fd-cache.ts): an idle writer's files may be closed, and the next append reopens
 * them under the lock, keeping what it knew only if the .log is still the same file (its inode);
 * otherwise it recovers as a new writer would. Step 1 re-reads what changed either way.
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {fsyncDirectory} from '../io/atomic-file.js'
import {FdHolder, fdCache, openWithRoom} from '../io/fd-cache.js'
import {FileLock, fileLockFor} from '../io/file-lock.js'
import {BATCH, LOG_OVERHEAD, readInt64, setBaseOffset} from '../format/record-batch.js'
import {AppendFds, Segment, closeAppendFds} from '../segment/segment.js'
import {OFFSET_INDEX_ENTRY_SIZE, OffsetIndex} from '../segment/offset-index.js'
import {TIME_INDEX_ENTRY_SIZE, TimeIndex} from '../segment/time-index.js'
import {scanBatches} from '../segment/batch-scan.js'
import {dropTornEntry} from '../segment/sparse-index.js'
import {WRITE_LOCK_FILE, assertInsideTopicsDir, directoryStamp, listSegmentBases} from './partition-files.js'
import {TruncationReport, assertTornTail, createEmptySegment, recoverPartitionLocked} from './recovery.js'
import type {TopicConfig} from '../config.js'

export interface AppendResult {
  baseOffset: number
  lastOffset: number
}

/** A segment was closed by a roll: the writer's only word on maintenance (the caller decides what is due). */
export interface RollEvent {
  partitionDir: string
  /** The segment just closed, and its final size. */
  closedBaseOffset: number
  closedSizeBytes: number
  /** The new active segment (empty). */
  baseOffset: number
}

export interface AppendOptions {
  /** fdatasync before returning. */
  sync?: boolean
  /** Runs under the write lock before the batch is written (given the offset it would get); throwing refuses the append. */
  check?: (nextOffset: number) => void
  /** Runs under the write lock after the batch is written, with the base offset of the segment it is in. */
  written?: (result: AppendResult, segmentBaseOffset: number) => void
}

export interface WriterOptions {
  onTruncation?: (report: TruncationReport) => void
  /** Problems that do not fail an append (a failing roll listener); default: stderr. */
  onWarning?: (message: string) => void
  /**
   * Called after an append that rolled, outside the write lock. It must only note that work may be
   * due (retention, compaction run elsewhere, see maintenance/scheduler.ts): it is on the append path.
   */
  onRoll?: (event: RollEvent) => void
}

interface ActiveSegment {
  baseOffset: number
  /** -1 (with indexFd and timeIndexFd) while the descriptor budget has the files closed. */
  logFd: number
  /** Inode of the .log: retention may roll and delete the active segment from another process. */
  logIno: number
  indexFd: number
  timeIndexFd: number
  sizeBytes: number
  nextOffset: number
  createdMs: number
  indexSizeBytes: number
  lastIndexedPosition: number
  timeIndexSizeBytes: number
  lastTimeIndexed: number
  maxTimestamp: number
}

export class PartitionWriter implements FdHolder {
  private readonly lock: FileLock
  private active: ActiveSegment | undefined
  private dirStamp = -1n
  private closed = false

  constructor(readonly partitionDir: string, private readonly config: TopicConfig, private readonly options: WriterOptions = {}) {
    assertInsideTopicsDir(partitionDir)
    this.lock = fileLockFor(path.join(partitionDir, WRITE_LOCK_FILE))
  }

  /**
   * Appends one sealed batch (base offset 0; `recordCount` records) and returns its offsets.
   * The batch buffer's first 8 bytes are overwritten with the assigned base offset.
   */
  append(batch: Buffer, options: AppendOptions = {}): AppendResult {
    if (this.closed) throw new Error('append on a closed partition writer')
    if (batch.length > this.config.maxMessageBytes) {
      throw new StromError('RECORD_TOO_LARGE', `a batch of ${batch.length} bytes is larger than max.message.bytes (${this.config.maxMessageBytes})`, {
        hint: 'raise it with `strom topic alter TOPIC --config max.message.bytes=N`, or send smaller messages',
      })
    }
    let result: AppendResult
    let fdToSync: number
    let rolled: RollEvent | undefined
    this.lock.acquire()
    try {
      let active = this.catchUpLocked()
      // Transactions: the producer's epoch is checked here, under the lock, so a fenced producer's
      // batch can never land after the marker that fenced it.
      options.check?.(active.nextOffset)
      try {
        if (this.shouldRoll(active, batch.length)) {
          const closed = active
          active = this.rollLocked(active)
          rolled = {partitionDir: this.partitionDir, closedBaseOffset: closed.baseOffset, closedSizeBytes: closed.sizeBytes, baseOffset: active.baseOffset}
        }
      } catch (error) {
        // Nothing of the batch was written yet (a new segment's files could not be made).
        throw appendError(this.partitionDir, error, 'nothing of this batch was written')
      }
      result = this.writeLocked(active, batch)
      fdToSync = active.logFd
      options.written?.(result, active.baseOffset)
    } finally {
      this.lock.release()
    }
    if (options.sync) {
      try {
        fs.fdatasyncSync(fdToSync)
        if (rolled !== undefined) fsyncDirectory(this.partitionDir)
      } catch (error) {
        // Other writers may have appended after it since the lock was released: it cannot be cut back.
        throw appendError(this.partitionDir, error, 'the batch was written but may not be on disk (fsync failed)', {maybeWritten: true})
      }
    }
    if (rolled !== undefined && this.options.onRoll !== undefined) {
      try {
        this.options.onRoll(rolled)
      } catch (error) {
        // The append succeeded; maintenance runs again at the next roll or `strom log clean`.
        const warn = this.options.onWarning ?? ((message: string) => process.stderr.write(`warning: ${message}\n`))
        warn(`scheduling maintenance of ${this.partitionDir} after a segment roll failed: ${(error as Error).message}`)
      }
    }
    return result
  }

  /**
   * Caller holds the lock. Writes the batch at the end of the active segment, then its index
   * entries. Any failure on the way (ENOSPC, EIO, in the log or in an index) undoes the whole
   * append: the files are cut back to their sizes before it and the cached state restored, so an
   * append either happened or reports an error, never both (a caller that retries after an error
   * does not write the batch twice). If the log cannot be cut back, the error says so.
   */
  private writeLocked(active: ActiveSegment, batch: Buffer): AppendResult {
    const before = {...active}
    const position = active.sizeBytes
    const baseOffset = active.nextOffset
    const lastOffset = baseOffset + batch.readInt32BE(BATCH.lastOffsetDelta)
    setBaseOffset(batch, baseOffset)
    try {
      writeFully(active.logFd, batch, position)
      active.sizeBytes += batch.length
      active.nextOffset = lastOffset + 1
      const maxTimestamp = readInt64(batch, BATCH.maxTimestamp)
      if (maxTimestamp > active.maxTimestamp) active.maxTimestamp = maxTimestamp
      if (position > 0 && position - active.lastIndexedPosition >= this.config.indexIntervalBytes) this.indexLocked(active, lastOffset, position)
    } catch (error) {
      throw this.undoAppendLocked(active, before, error)
    }
    return {baseOffset, lastOffset}
  }

  /** Caller holds the lock. Cuts the log and the indexes back to `before` (see writeLocked). */
  private undoAppendLocked(active: ActiveSegment, before: ActiveSegment, error: unknown): Error {
    let undone = true
    try {
      fs.ftruncateSync(active.logFd, before.sizeBytes)
    } catch {
      undone = false
    }
    try {
      fs.ftruncateSync(active.indexFd, Math.max(0, before.indexSizeBytes))
      fs.ftruncateSync(active.timeIndexFd, before.timeIndexSizeBytes)
    } catch {
      // An index longer than its log is noticed and rebuilt by recovery.
    }
    Object.assign(active, before)
    if (!undone) {
      // What is in the file is unknown now: the next append re-reads it (a partial batch is cut then).
      this.closeActive()
      this.dirStamp = -1n
    }
    return appendError(this.partitionDir, error, undone ? 'nothing of this batch was written' : 'the batch may have been written (it could not be cut back)', {maybeWritten: !undone})
  }
  /** The offset the next append would get (reads the shared state under the lock). */
  /** Runs `work` under the partition's write lock (short and synchronous: appends wait for it). */
  withWriteLock<T>(work: () => T): T {
    return this.lock.withLock(work)
  }

  nextOffset(): number {
    return this.lock.withLock(() => this.catchUpLocked().nextOffset)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.closeActive()
    fdCache.forget(this)
    // The lock object is shared by the process (fileLockFor); critical sections are synchronous,
    // so nobody holds it here, but never release someone else's hold.
    if (!this.lock.isHeld) this.lock.close()
  }

  /** The descriptor budget asks: close the segment's files unless an append is under way. */
  closeIdle(): boolean {
    if (this.lock.isHeld) return false
    const active = this.active
    if (active !== undefined && active.logFd >= 0) {
      closeAppendFds(fdsOf(active))
      active.logFd = active.indexFd = active.timeIndexFd = -1
    }
    return true
  }

  /**
   * Caller holds the lock. Reopens the active segment's files after the budget closed them: false
   * when the .log is no longer the file we had (retention or compaction replaced it, or it is
   * gone), and then nothing is open.
   */
  private reopenLocked(active: ActiveSegment): boolean {
    let fds: AppendFds | undefined
    try {
      fds = new Segment(this.partitionDir, active.baseOffset).openForAppend((open) => openWithRoom(open, this), (logFd) => fs.fstatSync(logFd).ino === active.logIno)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
    if (fds === undefined) return false
    ;({log: active.logFd, index: active.indexFd, timeIndex: active.timeIndexFd} = fds)
    return true
  }

  private shouldRoll(active: ActiveSegment, incomingBytes: number): boolean {
    if (active.sizeBytes === 0) return false
    if (active.sizeBytes > this.config.segmentBytes - incomingBytes) return true
    if (Date.now() - active.createdMs > this.config.segmentMs) return true
    // Relative offsets in the index are int32.
    return active.nextOffset - active.baseOffset > 0x7fff_0000
  }

  /** Caller holds the lock. Starts a new segment at the next offset. */
  private rollLocked(active: ActiveSegment): ActiveSegment {
    // A final time-index entry lets retention and time lookups see the closed segment's largest timestamp.
    if (active.maxTimestamp > active.lastTimeIndexed) {
      fs.writeSync(active.timeIndexFd, TimeIndex.encodeEntry(active.baseOffset, active.maxTimestamp, active.nextOffset - 1), 0, TIME_INDEX_ENTRY_SIZE, active.timeIndexSizeBytes)
    }
    const base = active.nextOffset
    createEmptySegment(this.partitionDir, base)
    this.closeActive()
    this.dirStamp = directoryStamp(this.partitionDir)
    this.active = this.openActive(base, 0, base)
    return this.active
  }

  /**
   * Caller holds the lock. Brings the cached view of the active segment up to date with the files,
   * running full recovery the first time and whenever the segment list changed.
   */
  private catchUpLocked(): ActiveSegment {
    fdCache.touch(this, 3)
    if (this.active !== undefined && this.active.logFd < 0 && !this.reopenLocked(this.active)) this.active = undefined
    const stamp = directoryStamp(this.partitionDir)
    let active = this.active
    // Directory mtimes are coarse (a few ms): also notice an active segment renamed away by retention.
    const logStat = active === undefined ? undefined : new Segment(this.partitionDir, active.baseOffset).statLog()
    const moved = active !== undefined && logStat?.ino !== active.logIno
    let size: number
    if (active === undefined || stamp !== this.dirStamp || moved) {
      const bases = listSegmentBases(this.partitionDir)
      const lastBase = bases.length === 0 ? undefined : bases[bases.length - 1]
      if (active === undefined || lastBase !== active.baseOffset || moved) {
        this.closeActive()
        const recovered = recoverPartitionLocked(this.partitionDir, this.config.indexIntervalBytes)
        if (recovered.truncation !== undefined) this.options.onTruncation?.(recovered.truncation)
        active = this.openActive(recovered.activeBaseOffset, recovered.activeSizeBytes, recovered.nextOffset)
        if (recovered.activeMaxTimestamp > active.maxTimestamp) active.maxTimestamp = recovered.activeMaxTimestamp
        this.active = active
      }
      this.dirStamp = directoryStamp(this.partitionDir)
      size = fs.fstatSync(active.logFd).size
    } else {
      // The path names the file the descriptor holds (same inode): its size is the file's.
      size = logStat!.size
    }
    if (size !== active.sizeBytes) this.followTailLocked(active, size)
    // Another writer may have rolled within the same directory-mtime tick: a segment named by our
    // next offset means ours is no longer the active one.
    if (active.sizeBytes > 0 && fs.existsSync(new Segment(this.partitionDir, active.nextOffset).paths.log)) {
      this.closeActive()
      this.dirStamp = -1n
      return this.catchUpLocked()
    }
    const indexSize = fs.fstatSync(active.indexFd).size
    if (indexSize !== active.indexSizeBytes) this.reloadIndexTailLocked(active, indexSize)
    return active
  }

  /** Caller holds the lock. Other processes appended (or a recovery cut the tail): re-read the tail. */
  private followTailLocked(active: ActiveSegment, size: number): void {
    const from = size > active.sizeBytes ? active.sizeBytes : 0
    // Other writers' batches may carry larger timestamps than the last one (clocks differ per process).
    const scan = scanBatches(active.logFd, from, size, {
      verifyCrc: 'last',
      minBaseOffset: from === 0 ? active.baseOffset : active.nextOffset,
      onBatch: (batch) => {
        if (batch.maxTimestamp > active.maxTimestamp) active.maxTimestamp = batch.maxTimestamp
      },
    })
    if (scan.lastBatch !== undefined) {
      active.nextOffset = scan.lastBatch.lastOffset + 1
    } else if (from === 0) {
      active.nextOffset = active.baseOffset
    }
    if (scan.stop !== 'end') {
      // Writers append under this lock, so an incomplete last batch is a writer that died mid-write
      // and is cut; damage of any other kind is corruption, which only `log repair` may cut.
      assertTornTail(this.partitionDir, active.baseOffset, active.logFd, scan, size)
      this.options.onTruncation?.({
        segmentBaseOffset: active.baseOffset,
        fromOffset: active.nextOffset,
        bytesCut: size - scan.validEnd,
        reason: scan.reason ?? scan.stop,
      })
      fs.ftruncateSync(active.logFd, scan.validEnd)
    }
    active.sizeBytes = scan.validEnd
  }

  private reloadIndexTailLocked(active: ActiveSegment, indexSize: number): void {
    // A torn entry (a writer died between the log write and the index write) is simply dropped.
    const offsets = dropTornEntry(active.indexFd, indexSize, OFFSET_INDEX_ENTRY_SIZE)
    active.indexSizeBytes = offsets.sizeBytes
    // The position of the last indexed batch (offset index entry: relativeOffset int32 | position int32).
    active.lastIndexedPosition = offsets.last === undefined ? 0 : offsets.last.readInt32BE(4)
    const times = dropTornEntry(active.timeIndexFd, fs.fstatSync(active.timeIndexFd).size, TIME_INDEX_ENTRY_SIZE)
    active.timeIndexSizeBytes = times.sizeBytes
    // Time index entry: timestamp int64 | relativeOffset int32.
    if (times.last !== undefined) active.lastTimeIndexed = readInt64(times.last, 0)
  }

  /** Caller holds the lock. */
  private indexLocked(active: ActiveSegment, lastOffset: number, position: number): void {
    fs.writeSync(active.indexFd, OffsetIndex.encodeEntry(active.baseOffset, {offset: lastOffset, position}), 0, OFFSET_INDEX_ENTRY_SIZE, active.indexSizeBytes)
    active.indexSizeBytes += OFFSET_INDEX_ENTRY_SIZE
    active.lastIndexedPosition = position
    if (active.maxTimestamp > active.lastTimeIndexed) {
      fs.writeSync(active.timeIndexFd, TimeIndex.encodeEntry(active.baseOffset, active.maxTimestamp, lastOffset), 0, TIME_INDEX_ENTRY_SIZE, active.timeIndexSizeBytes)
      active.timeIndexSizeBytes += TIME_INDEX_ENTRY_SIZE
      active.lastTimeIndexed = active.maxTimestamp
    }
  }

  private openActive(baseOffset: number, sizeBytes: number, nextOffset: number): ActiveSegment {
    fdCache.touch(this, 3)
    // Read-write, not append: on Linux, pwrite to an O_APPEND file ignores the position.
    const fds = new Segment(this.partitionDir, baseOffset).openForAppend((open) => openWithRoom(open, this))!
    const stat = fs.fstatSync(fds.log)
    const active: ActiveSegment = {
      baseOffset,
      logFd: fds.log,
      logIno: stat.ino,
      indexFd: fds.index,
      timeIndexFd: fds.timeIndex,
      sizeBytes,
      nextOffset,
      createdMs: stat.birthtimeMs > 0 ? stat.birthtimeMs : Date.now(),
      indexSizeBytes: -1,
      lastIndexedPosition: 0,
      timeIndexSizeBytes: 0,
      lastTimeIndexed: Number.NEGATIVE_INFINITY,
      maxTimestamp: Number.NEGATIVE_INFINITY,
    }
    this.reloadIndexTailLocked(active, fs.fstatSync(active.indexFd).size)
    if (active.lastTimeIndexed > active.maxTimestamp) active.maxTimestamp = active.lastTimeIndexed
    return active
  }

  private closeActive(): void {
    const active = this.active
    if (active === undefined) return
    this.active = undefined
    if (active.logFd < 0) return
    closeAppendFds(fdsOf(active))
  }
}

function fdsOf(active: ActiveSegment): AppendFds {
  return {log: active.logFd, index: active.indexFd, timeIndex: active.timeIndexFd}
}

/**
 * The error of a failed append, saying what became of the batch; details.maybeWritten tells a
 * caller that counts what was written (Producer) which of the two it was, details.what the failure
 * without the outcome (for a caller that words the outcome itself).
 */
function appendError(partitionDir: string, error: unknown, outcome: string, details: {maybeWritten: boolean} = {maybeWritten: false}): Error {
  const code = (error as NodeJS.ErrnoException).code
  const what = code === 'ENOSPC' ? 'no space left on device' : code === 'EDQUOT' ? 'disk quota exceeded' : code === 'EFBIG' ? 'file too large' : code === 'EIO' ? 'I/O error' : undefined
  if (what === undefined && !details.maybeWritten) return error as Error
  const failed = `cannot append to ${partitionDir}: ${what ?? (error as Error).message} (${code ?? 'error'})`
  return new StromError('IO_ERROR', `${failed}; ${outcome}`, {
    hint: code === 'EIO' ? 'check the disk' : 'free some space (`strom log clean`, or lower retention) or move the log directory with --dir',
    details: {...details, what: failed},
    cause: error,
  })
}

function writeFully(fd: number, data: Buffer, position: number): void {
  let done = 0
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done)
}

export {LOG_OVERHEAD}
