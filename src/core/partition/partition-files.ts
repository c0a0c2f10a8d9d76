/**
 * The files of one partition directory:
 *
 *   <topic>/<partition>/00000000000000000000.log        RecordBatch v2, back to back
 *   <topic>/<partition>/00000000000000000000.index      sparse offset index (8-byte entries)
 *   <topic>/<partition>/00000000000000000000.timeindex  sparse time index (12-byte entries)
 *     (the files of one segment, and what is done to them as a set: segment/segment.ts)
 *   <topic>/<partition>/write.lock                      permanent lock file: one appender at a time
 *   <topic>/<partition>/log-start-offset                optional checkpoint (delete-records, retention)
 *   <topic>/<partition>/cleaner.lock                    permanent lock file: one retention/compaction/repair at a time
 *   <topic>/<partition>/cleaner-offset-checkpoint       first offset compaction has not cleaned yet
 *   <topic>/<partition>/recovery-point                  closed segments below it had their indexes checked (recovery.ts)
 *   <topic>/<partition>/maintenance.json                when retention/compaction last ran, what it did (maintenance/maintain.ts)
 *   <topic>/<partition>/repair-gaps.json                offsets `log repair` cut with damage (offset-gaps.ts)
 *   <topic>/<partition>/cleaner-swap.json               present only while compaction swaps segments in
 *   <topic>/<partition>/*.cleaned, *.deleted            transient: compaction output, segments being deleted
 */
import fs from 'node:fs'
import path from 'node:path'
import {segmentBaseOffsets} from '../format/segment-files.js'
import {StromError} from '../errors.js'

export const WRITE_LOCK_FILE = 'write.lock'
export const LOG_START_OFFSET_FILE = 'log-start-offset'
export const CLEANER_LOCK_FILE = 'cleaner.lock'

export function listSegmentBases(partitionDir: string): number[] {
  return segmentBaseOffsets(fs.readdirSync(partitionDir))
}

/** Segment base offsets and whether a log start checkpoint is there, from one directory listing. */
export function listPartitionDir(partitionDir: string): {bases: number[]; hasLogStartCheckpoint: boolean} {
  const names = fs.readdirSync(partitionDir)
  return {bases: segmentBaseOffsets(names), hasLogStartCheckpoint: names.includes(LOG_START_OFFSET_FILE)}
}

/** The log start offset checkpoint, if one was written (it can only move forward). */
export function readLogStartCheckpoint(partitionDir: string): number {
  try {
    const text = fs.readFileSync(path.join(partitionDir, LOG_START_OFFSET_FILE), 'utf8').trim()
    const value = Number(text)
    return Number.isSafeInteger(value) && value >= 0 ? value : 0
  } catch {
    return 0
  }
}

/** A cheap change stamp for the directory listing: segment creation and deletion change it. */
export function directoryStamp(partitionDir: string): bigint {
  return fs.statSync(partitionDir, {bigint: true}).mtimeNs
}

/**
 * Refuses a partition directory that resolves outside the log directory (a symlinked `topics`,
 * topic or partition directory): strom creates and writes files only inside the log directory.
 * The layout is fixed, <dir>/topics/<topic>/<partition> (topic creation stages partitions at the
 * same depth, <dir>/tmp/<staging>/<partition>), so the log directory is three levels up.
 */
export function assertInsideTopicsDir(partitionDir: string): void {
  const logDir = path.dirname(path.dirname(path.dirname(partitionDir)))
  let real: string
  try {
    real = fs.realpathSync(partitionDir)
  } catch {
    return // missing: whoever opens it reports that
  }
  const realLog = fs.realpathSync(logDir)
  if (!real.startsWith(realLog + path.sep)) {
    throw new StromError('IO_ERROR', `${partitionDir} resolves to ${real}, outside the log directory ${realLog}: refusing to create or write files through a symlink`, {hint: 'topic and partition directories must be plain directories inside the log directory'})
  }
}

/** Refuses a directory (a topic directory) that resolves outside the log directory `logDir`. */
export function assertResolvesInside(dir: string, logDir: string): void {
  let real: string
  try {
    real = fs.realpathSync(dir)
  } catch {
    return
  }
  const realLog = fs.realpathSync(logDir)
  if (!real.startsWith(realLog + path.sep)) {
    throw new StromError('IO_ERROR', `${dir} resolves to ${real}, outside the log directory ${realLog}: refusing to create or write files through a symlink`, {hint: 'topic and partition directories must be plain directories inside the log directory'})
  }
}
