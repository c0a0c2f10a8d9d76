/**
 * One maintenance pass over one partition: retention (`delete` policy), then compaction
 * (`compact` policy, when the dirty ratio passes min.cleanable.dirty.ratio). `strom log clean`
 * runs it, and so does the background cleaner a segment roll schedules (scheduler.ts); never an
 * append. Each pass leaves a small record of when it ran and what it did, `maintenance.json` in
 * the partition directory, which `strom topic describe` shows:
 *
 *   {"at": "2026-01-01T00:00:00.000Z", "trigger": "roll" | "manual", "durationMs": 12,
 *    "retention"?: {"deletedSegments": 3, "deletedBytes": 3145728, "heldSegments": 0, "logStartOffset": 4711},
 *    "compaction"?: {"compacted": true, "skipped"?: "...", "segmentsBefore": 9, "segmentsAfter": 2,
 *                    "recordsIn": 90000, "recordsOut": 1000, "bytesBefore": 9437184, "bytesAfter": 104857},
 *    "error"?: "message"}
 */
import path from 'node:path'
import {resolveConfig} from '../config.js'
import {readJsonFile, writeJsonAtomic} from '../io/atomic-file.js'
import {CompactionResult, compactPartition, isCompacted} from './compaction.js'
import {PartitionRef} from './partition-ref.js'
import {RetentionResult, applyRetention} from './retention.js'

export const MAINTENANCE_RECORD_FILE = 'maintenance.json'

export type MaintenanceTrigger = 'roll' | 'manual'

export interface MaintenanceRecord {
  at: string
  trigger: MaintenanceTrigger
  durationMs: number
  retention?: {deletedSegments: number; deletedBytes: number; heldSegments: number; logStartOffset: number}
  compaction?: {compacted: boolean; skipped?: string; segmentsBefore: number; segmentsAfter: number; recordsIn: number; recordsOut: number; bytesBefore: number; bytesAfter: number}
  error?: string
}

export interface MaintenanceOutcome {
  record: MaintenanceRecord
  retention?: RetentionResult
  compaction?: CompactionResult
}

/**
 * Runs retention then compaction on `ref` under the cleaner lock (waiting for another cleaner, so a
 * pass scheduled while one runs still sees the latest segments), records the outcome and returns
 * it. Failures are recorded too, then thrown.
 */
export function maintainPartition(ref: PartitionRef, options: {trigger: MaintenanceTrigger; nowMs?: number}): MaintenanceOutcome {
  const started = Date.now()
  // Holds and retention settings may have been altered since whoever scheduled this opened the topic.
  const meta = readJsonFile<{config?: Record<string, string>}>(path.join(path.dirname(ref.partitionDir), 'topic.json'))
  if (meta?.config !== undefined) ref = {...ref, config: resolveConfig(meta.config)}
  const outcome: MaintenanceOutcome = {record: {at: new Date(started).toISOString(), trigger: options.trigger, durationMs: 0}}
  try {
    if (ref.config.cleanupPolicy.split(',').includes('delete')) {
      const retention = applyRetention(ref, {nowMs: options.nowMs})
      outcome.retention = retention
      outcome.record.retention = {
        deletedSegments: retention.deletions.length,
        deletedBytes: retention.deletions.reduce((n, s) => n + s.sizeBytes, 0),
        heldSegments: retention.held.length,
        logStartOffset: retention.newLogStartOffset,
      }
    }
    if (isCompacted(ref.config.cleanupPolicy)) {
      const c = compactPartition(ref, {nowMs: options.nowMs})
      outcome.compaction = c
      outcome.record.compaction = {
        compacted: c.compacted, ...(c.skipped === undefined ? {} : {skipped: c.skipped}),
        segmentsBefore: c.segmentsBefore, segmentsAfter: c.segmentsAfter, recordsIn: c.recordsIn, recordsOut: c.recordsOut, bytesBefore: c.bytesBefore, bytesAfter: c.bytesAfter,
      }
    }
  } catch (error) {
    outcome.record.error = (error as Error).message
    writeRecord(ref, outcome.record, started)
    throw error
  }
  writeRecord(ref, outcome.record, started)
  return outcome
}

function writeRecord(ref: PartitionRef, record: MaintenanceRecord, started: number): void {
  record.durationMs = Date.now() - started
  try {
    // Informational, so not fsynced (a crash may lose the last record, never the log's consistency).
    writeJsonAtomic(path.join(ref.partitionDir, MAINTENANCE_RECORD_FILE), record, {durable: false})
  } catch {
    // The record is informational: a partition deleted meanwhile, or a read-only directory, is no failure.
  }
}

/** The last pass's record, or undefined when maintenance never ran (or the record is unreadable). */
export function readMaintenanceRecord(partitionDir: string): MaintenanceRecord | undefined {
  try {
    return readJsonFile<MaintenanceRecord>(path.join(partitionDir, MAINTENANCE_RECORD_FILE))
  } catch {
    return undefined
  }
}
