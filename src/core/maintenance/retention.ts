/**
 * Retention (`cleanup.policy=delete`), as Kafka's `UnifiedLog.deleteOldSegments` does it: whole
 * segments only, strictly oldest first, in three passes whose deletable prefixes add up:
 *   - log start breach: segments that end at or below the log start offset (delete-records);
 *   - retention.ms: segments whose largest record timestamp is older than now - retention.ms;
 *   - retention.bytes: the oldest segments while the partition stays at or above retention.bytes.
 * The active segment is not exempt: when it is past retention itself, it is rolled (a new empty
 * segment at the next offset, under the write lock) and then deleted, so an idle topic does not
 * keep expired data forever. Retention holds (holds.ts) stop the walk at the first segment a
 * holding group has not committed past.
 */
import type {TruncationReport} from '../partition/recovery.js'
import {createEmptySegment, recoverPartitionLocked} from '../partition/recovery.js'
import {fsyncDirectory} from '../io/atomic-file.js'
import {HoldState, parseHoldGroups, readHolds} from './holds.js'
import {PartitionRef, withCleanerLock, withWriteLock} from './partition-ref.js'
import {advanceLogStartLocked, deleteSegmentsLocked} from './segment-delete.js'
import {SegmentInfo, describeSegments, logStartOffset} from './segment-info.js'

export type RetentionReason = 'log-start' | 'retention.ms' | 'retention.bytes'

export interface SegmentDecision extends SegmentInfo {
  reason: RetentionReason
}

export interface RetentionPlan {
  topic: string
  partition: number
  logStartOffset: number
  /** The log start once the deletions are done. */
  newLogStartOffset: number
  deletions: SegmentDecision[]
  /** Segments retention would delete but a hold keeps. */
  held: SegmentDecision[]
  holds: HoldState
}

export interface RetentionResult extends RetentionPlan {
  applied: boolean
  /** The active segment was rolled so it could be deleted. */
  rolled: boolean
  truncation?: TruncationReport
}

/** Pure: which segments go, given their descriptions, the log start, the time and the holds. */
export function planRetention(ref: Pick<PartitionRef, 'topic' | 'partition' | 'config'>, segments: SegmentInfo[], logStart: number, nowMs: number, holds: HoldState): RetentionPlan {
  const {retentionMs, retentionBytes, cleanupPolicy} = ref.config
  const deletable = (s: SegmentInfo) => !(s.active && s.sizeBytes === 0)
  let i = 0
  while (i < segments.length && segments[i].endOffset <= logStart && deletable(segments[i])) i++
  const breached = i
  let byTime = i
  let bySize = i
  if (cleanupPolicy.split(',').includes('delete')) {
    if (retentionMs >= 0) {
      while (byTime < segments.length && nowMs - segments[byTime].largestTimestamp > retentionMs && deletable(segments[byTime])) byTime++
    }
    if (retentionBytes >= 0) {
      let excess = segments.slice(i).reduce((sum, s) => sum + s.sizeBytes, 0) - retentionBytes
      while (bySize < segments.length && excess - segments[bySize].sizeBytes >= 0 && deletable(segments[bySize])) {
        excess -= segments[bySize].sizeBytes
        bySize++
      }
    }
  }
  const end = Math.max(byTime, bySize)
  const deletions: SegmentDecision[] = []
  const held: SegmentDecision[] = []
  for (let k = 0; k < end; k++) {
    const reason: RetentionReason = k < breached ? 'log-start' : k < byTime ? 'retention.ms' : 'retention.bytes'
    const decision = {...segments[k], reason}
    const isHeld = reason !== 'log-start' && (held.length > 0 || (holds.holdOffset !== undefined && segments[k].endOffset > holds.holdOffset))
    if (isHeld) held.push(decision)
    else deletions.push(decision)
  }
  const lastDeleted = deletions.at(-1)
  const newLogStartOffset = Math.max(logStart, lastDeleted === undefined ? logStart : lastDeleted.endOffset)
  return {topic: ref.topic, partition: ref.partition, logStartOffset: logStart, newLogStartOffset, deletions, held, holds}
}

/** Reads the partition's state and plans, without locks or changes (for --dry-run and describe). */
export function previewRetention(ref: PartitionRef, nowMs = Date.now()): RetentionPlan {
  const segments = describeSegments(ref.partitionDir)
  const holds = readHolds(ref.logDir, ref.topic, ref.partition, parseHoldGroups(ref.config.retentionHoldGroups))
  return planRetention(ref, segments, logStartOffset(ref.partitionDir, segments), nowMs, holds)
}

export interface RetentionOptions {
  dryRun?: boolean
  nowMs?: number
}

/** Applies retention to one partition under its cleaner and write locks. */
export function applyRetention(ref: PartitionRef, options: RetentionOptions = {}): RetentionResult {
  if (options.dryRun) return {...previewRetention(ref, options.nowMs), applied: false, rolled: false}
  return withCleanerLock(ref.partitionDir, () => withWriteLock(ref.partitionDir, () => applyRetentionLocked(ref, options.nowMs ?? Date.now())))!
}

/** Caller holds the cleaner lock and the write lock. */
export function applyRetentionLocked(ref: PartitionRef, nowMs: number): RetentionResult {
  // Recovery first: the active segment's end must be exact before it can be rolled.
  const recovered = recoverPartitionLocked(ref.partitionDir, ref.config.indexIntervalBytes)
  const plan = previewRetention(ref, nowMs)
  const result: RetentionResult = {...plan, applied: plan.deletions.length > 0, rolled: false, truncation: recovered.truncation}
  if (plan.deletions.length === 0) return result
  if (plan.deletions.some((s) => s.active)) {
    createEmptySegment(ref.partitionDir, recovered.nextOffset)
    fsyncDirectory(ref.partitionDir)
    result.rolled = true
  }
  advanceLogStartLocked(ref.partitionDir, plan.newLogStartOffset)
  deleteSegmentsLocked(ref.partitionDir, plan.deletions.map((s) => s.baseOffset))
  return result
}
