/**
 * The files of one partition directory:
 *
 *   <topic>/<partition>/00000000000000000000.log        RecordBatch v2, back to back
 *   <topic>/<partition>/00000000000000000000.index      sparse offset index (8-byte entries)
 *   <topic>/<partition>/00000000000000000000.timeindex  sparse time index (12-byte entries)
 *   <topic>/<partition>/write.lock                      permanent lock file: one appender at a time
 *   <topic>/<partition>/log-start-offset                optional checkpoint (delete-records, retention)
 */
import fs from 'node:fs'
import path from 'node:path'
import {segmentBaseOffsets} from '../format/segment-files.js'

export const WRITE_LOCK_FILE = 'write.lock'
export const LOG_START_OFFSET_FILE = 'log-start-offset'

export function listSegmentBases(partitionDir: string): number[] {
  return segmentBaseOffsets(fs.readdirSync(partitionDir))
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
