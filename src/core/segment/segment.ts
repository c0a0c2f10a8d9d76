/**
 * One segment of a partition, after Kafka's LogSegment: the set of files that share a base offset.
 *
 *   <base>.log         RecordBatch v2, back to back (format/record-batch.ts)
 *   <base>.index       sparse offset index (offset-index.ts)
 *   <base>.timeindex   sparse time index (time-index.ts)
 *
 * `<base>` is the base offset zero-padded to 20 digits (format/segment-files.ts). The `.log` is the
 * segment: a directory listing finds segments by their `.log` alone, and indexes without one are
 * orphans that nobody reads. The indexes are derived data, rebuilt from the `.log` when in doubt.
 *
 * What a segment owns, and so what lives here:
 *   - the names of its files, from ONE list (SEGMENT_FILES): every operation on "the files of a
 *     segment" walks that list, so a new kind of file is added there and is then created, deleted,
 *     swapped and renamed with the others;
 *   - creating the set (indexes first, the `.log` last, so a crash in between leaves no segment);
 *   - renaming the set `.deleted` (the `.log` first: from then on the segment is not listed) and
 *     deleting several segments in Kafka's crash-safe order (rename, fsync the directory, unlink);
 *   - its `.cleaned` twins (compaction's output) and renaming them over the set (the `.log` first);
 *   - the size and identity (inode) of its `.log`, and reading its indexes;
 *   - opening the files an appender writes (the `.log` and its indexes), never through a symlink.
 * What is not here: which segments exist, the log start offset and every other partition-level
 * file (partition/partition-files.ts), locking, and the decisions (recovery, retention,
 * compaction), which call these operations.
 *
 * Kafka's `.txnindex` (aborted transactions) is one entry in SEGMENT_FILES, not created with the
 * segment (Kafka writes it only when a transaction aborts); delete, swap and `.cleaned` include it.
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {LOG_SUFFIX, segmentPrefix} from '../format/segment-files.js'
import {fsyncDirectory} from '../io/atomic-file.js'
import {TXN_INDEX_SUFFIX} from '../txn/txn-index.js'
import {OffsetIndex} from './offset-index.js'
import {TimeIndex} from './time-index.js'

/**
 * The files of a segment, the `.log` first (the order of deletion and of swapping). Each is named
 * `<base><suffix>`; `createdWithSegment` files are created, empty, with the segment, the others
 * when there is something to write in them (a missing one then means "empty").
 */
export const SEGMENT_FILES = [
  {kind: 'log', suffix: LOG_SUFFIX, createdWithSegment: true},
  {kind: 'index', suffix: '.index', createdWithSegment: true},
  {kind: 'timeIndex', suffix: '.timeindex', createdWithSegment: true},
  // Kafka's aborted-transaction index: written only when a transaction aborts (txn/txn-index.ts).
  {kind: 'txnIndex', suffix: TXN_INDEX_SUFFIX, createdWithSegment: false},
] as const

export type SegmentFileKind = (typeof SEGMENT_FILES)[number]['kind']
export type SegmentPaths = Readonly<Record<SegmentFileKind, string>>

/** The descriptors of a segment open for appending (partition-writer.ts): the `.log` and the indexes written with each batch. */
export interface AppendFds {
  log: number
  index: number
  timeIndex: number
}
const APPEND_FILES = ['log', 'index', 'timeIndex'] as const satisfies ReadonlyArray<keyof AppendFds & SegmentFileKind>

/** Compaction's output, written beside the segment it replaces: `<base>.log.cleaned`, ... */
export const CLEANED_SUFFIX = '.cleaned'
/** A file of a segment being deleted: renamed so, made durable, then unlinked. */
export const DELETED_SUFFIX = '.deleted'

export function segmentPaths(partitionDir: string, baseOffset: number, extraSuffix = ''): SegmentPaths {
  const prefix = path.join(partitionDir, segmentPrefix(baseOffset))
  const paths = {} as Record<SegmentFileKind, string>
  for (const file of SEGMENT_FILES) paths[file.kind] = prefix + file.suffix + extraSuffix
  return paths
}

export class Segment {
  readonly paths: SegmentPaths

  constructor(readonly partitionDir: string, readonly baseOffset: number) {
    this.paths = segmentPaths(partitionDir, baseOffset)
  }

  /** The paths of its compaction output (`<file>.cleaned`), the files swapInCleaned() installs. */
  cleanedPaths(): SegmentPaths {
    return segmentPaths(this.partitionDir, this.baseOffset, CLEANED_SUFFIX)
  }

  /** Creates the segment's files that do not exist yet, the `.log` last: a crash in between leaves orphan indexes, which nobody reads. */
  createEmpty(): void {
    for (const file of [...SEGMENT_FILES].reverse()) {
      if (file.createdWithSegment) fs.closeSync(fs.openSync(this.paths[file.kind], 'a'))
    }
  }

  /**
   * Renames each of its files `<file>.deleted`, the `.log` first (without it the segment is no
   * longer listed; a reader that has it open keeps reading the old inode). Files already gone are
   * skipped. Returns the new names; not durable until the directory is fsynced (deleteSegments).
   */
  renameToDeleted(): string[] {
    const renamed: string[] = []
    for (const file of SEGMENT_FILES) {
      if (renameIfPresent(this.paths[file.kind], this.paths[file.kind] + DELETED_SUFFIX)) renamed.push(this.paths[file.kind] + DELETED_SUFFIX)
    }
    return renamed
  }

  /**
   * Renames its `.cleaned` files over its files, the `.log` first. A `.cleaned` file that is not
   * there was renamed by an interrupted run (or never written: an optional file). Not durable
   * until the directory is fsynced.
   */
  swapInCleaned(): void {
    const cleaned = this.cleanedPaths()
    for (const file of SEGMENT_FILES) renameIfPresent(cleaned[file.kind], this.paths[file.kind])
  }

  /**
   * Opens the `.log` and its indexes read-write (never through a symlink), the `.log` first. `open`
   * wraps each open (the caller's descriptor budget); `keepLog` is asked about the `.log` before the
   * others are opened, and false closes it and returns undefined (the caller wanted a file it no
   * longer is). All or nothing: when an open fails, what was opened is closed before the error is
   * thrown.
   */
  openForAppend(open: (openFile: () => number) => number, keepLog: (logFd: number) => boolean = () => true): AppendFds | undefined {
    const opened: number[] = []
    try {
      for (const kind of APPEND_FILES) {
        opened.push(open(() => openForWriteNoFollow(this.paths[kind])))
        if (kind === 'log' && !keepLog(opened[0])) {
          closeAll(opened)
          return undefined
        }
      }
    } catch (error) {
      closeAll(opened)
      throw error
    }
    const [log, index, timeIndex] = opened
    return {log, index, timeIndex}
  }

  /** The `.log`'s stat, or undefined when the segment is gone (deleted or renamed away). */
  statLog(): fs.Stats | undefined {
    return fs.statSync(this.paths.log, {throwIfNoEntry: false})
  }

  /** Size of the `.log` in bytes; 0 when the segment is gone. */
  logSize(): number {
    return this.statLog()?.size ?? 0
  }

  readOffsetIndex(): OffsetIndex | undefined {
    return OffsetIndex.read(this.paths.index, this.baseOffset)
  }

  readTimeIndex(): TimeIndex | undefined {
    return TimeIndex.read(this.paths.timeIndex, this.baseOffset)
  }
}

/**
 * Deletes whole segments crash-safely: every file renamed `.deleted` (newest segment first), one
 * directory fsync, then the unlinks. A crash leaves `.deleted` files, which the next recovery
 * removes (maintenance/segment-delete.ts).
 */
export function deleteSegments(partitionDir: string, bases: number[]): void {
  if (bases.length === 0) return
  const renamed = renameSegmentsToDeleted(partitionDir, bases)
  fsyncDirectory(partitionDir)
  for (const file of renamed) fs.rmSync(file, {force: true})
}

/** The first step of deleteSegments alone (newest segment first): the `.deleted` names, to fsync and unlink after. */
export function renameSegmentsToDeleted(partitionDir: string, bases: number[]): string[] {
  const renamed: string[] = []
  for (const base of [...bases].sort((a, b) => b - a)) renamed.push(...new Segment(partitionDir, base).renameToDeleted())
  return renamed
}

/**
 * Opens a segment file for writing without following a symlink: a link planted in the log
 * directory must not make strom write (or truncate) a file outside it.
 */
export function openForWriteNoFollow(file: string): number {
  try {
    return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new StromError('IO_ERROR', `${file} is a symlink: strom writes only to plain files inside the log directory`, {hint: 'replace the link with the real file (or remove the topic)'})
    }
    throw error
  }
}

export function closeAppendFds(fds: AppendFds): void {
  closeAll(APPEND_FILES.map((kind) => fds[kind]))
}

function closeAll(fds: number[]): void {
  for (const fd of fds) fs.closeSync(fd)
}

function renameIfPresent(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    return false
  }
}
