/**
 * Kafka's delete-records: moves a partition's log start offset forward. Offsets below it are gone
 * for every reader at once; whole segments below it are deleted right away (the log-start pass of
 * retention), and the segment holding the new start keeps its earlier bytes until retention
 * deletes it whole, as in Kafka.
 *
 * A retention hold protects data its groups have not read: delete-records refuses to pass a
 * holding group's committed offset unless told to ignore holds.
 */
import {StromError} from '../errors.js'
import {recoverPartitionLocked} from '../partition/recovery.js'
import {parseHoldGroups, readHolds} from './holds.js'
import {PartitionRef, describeRef, withCleanerLock, withWriteLock} from './partition-ref.js'
import {RetentionResult, applyRetentionLocked} from './retention.js'
import {advanceLogStartLocked} from './segment-delete.js'
import {describeSegments, logStartOffset} from './segment-info.js'

export interface DeleteRecordsResult {
  topic: string
  partition: number
  previousLogStartOffset: number
  logStartOffset: number
  endOffset: number
  retention: RetentionResult
}

/** `before`: the new log start; 'end' means the partition's end offset (Kafka's -1). */
export function deleteRecords(ref: PartitionRef, before: number | 'end', options: {ignoreHolds?: boolean; nowMs?: number} = {}): DeleteRecordsResult {
  return withCleanerLock(ref.partitionDir, () => withWriteLock(ref.partitionDir, () => {
    const recovered = recoverPartitionLocked(ref.partitionDir, ref.config.indexIntervalBytes)
    const endOffset = recovered.nextOffset
    const target = before === 'end' ? endOffset : before
    if (!Number.isSafeInteger(target) || target < 0) throw new StromError('INVALID_OFFSET', `invalid offset ${before}: expected an offset from 0 to ${endOffset}, or 'end'`)
    if (target > endOffset) {
      throw new StromError('INVALID_OFFSET', `offset ${target} is past the end of ${describeRef(ref)} (end offset ${endOffset})`, {hint: `use an offset up to ${endOffset}, or --before end`})
    }
    const previous = logStartOffset(ref.partitionDir, describeSegments(ref.partitionDir))
    if (!options.ignoreHolds) {
      const holds = readHolds(ref.logDir, ref.topic, ref.partition, parseHoldGroups(ref.config.retentionHoldGroups))
      if (holds.holdOffset !== undefined && target > Math.max(holds.holdOffset, previous)) {
        const behind = holds.groups.filter((g) => (g.committed ?? 0) < target).map((g) => `${g.group} (committed ${g.committed ?? 'nothing'})`)
        throw new StromError('INVALID_ARGUMENT', `${describeRef(ref)} is held by retention.hold.groups: ${behind.join(', ')} has not read up to ${target}`, {
          hint: `delete only up to ${Math.max(holds.holdOffset, previous)}, let the group catch up, or pass --ignore-holds`,
        })
      }
    }
    advanceLogStartLocked(ref.partitionDir, target)
    // Only the log-start pass runs here: time and size retention stay the business of `log clean`.
    const retention = applyRetentionLocked({...ref, config: {...ref.config, cleanupPolicy: 'compact', retentionMs: -1, retentionBytes: -1}}, options.nowMs ?? Date.now())
    return {topic: ref.topic, partition: ref.partition, previousLogStartOffset: previous, logStartOffset: Math.max(previous, target), endOffset, retention}
  }))!
}
