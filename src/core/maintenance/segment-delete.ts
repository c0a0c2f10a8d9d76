/**
 * Deleting whole segments, in Kafka's order: the log start offset checkpoint moves first (so a
 * crash at any later point leaves a log whose start is already right, and the next pass finishes
 * the job), then each segment's files are renamed `.deleted` (readers stop listing it; a reader
 * that has it open keeps reading the old inode to its end), then unlinked. Callers hold the
 * partition's write lock.
 */
import fs from 'node:fs'
import path from 'node:path'
import {segmentPrefix} from '../format/segment-files.js'
import {fsyncDirectory, writeFileAtomic} from '../io/atomic-file.js'
import {DELETED_SUFFIX, LOG_START_OFFSET_FILE, readLogStartCheckpoint} from '../partition/partition-files.js'

const SEGMENT_SUFFIXES = ['.log', '.index', '.timeindex', '.txnindex']

/** Moves the checkpoint forward (never back) and makes it durable. */
export function advanceLogStartLocked(partitionDir: string, offset: number): number {
  const current = readLogStartCheckpoint(partitionDir)
  if (offset <= current) return current
  writeFileAtomic(path.join(partitionDir, LOG_START_OFFSET_FILE), `${offset}\n`)
  return offset
}

/** Renames the segments' files `.deleted` (newest first), makes that durable, then unlinks them. */
export function deleteSegmentsLocked(partitionDir: string, bases: number[]): void {
  if (bases.length === 0) return
  const renamed: string[] = []
  for (const base of [...bases].sort((a, b) => b - a)) {
    // The .log goes first: without it the segment no longer exists for anyone listing.
    for (const suffix of SEGMENT_SUFFIXES) {
      const file = path.join(partitionDir, segmentPrefix(base) + suffix)
      try {
        fs.renameSync(file, file + DELETED_SUFFIX)
        renamed.push(file + DELETED_SUFFIX)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
  }
  fsyncDirectory(partitionDir)
  for (const file of renamed) fs.rmSync(file, {force: true})
}

/** `.deleted` files left by a process that died between the rename and the unlink. */
export function removeDeletedLeftovers(partitionDir: string, names: string[]): number {
  let removed = 0
  for (const name of names) {
    if (!name.endsWith(DELETED_SUFFIX)) continue
    fs.rmSync(path.join(partitionDir, name), {force: true})
    removed++
  }
  return removed
}
