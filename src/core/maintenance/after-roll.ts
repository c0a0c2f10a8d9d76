/**
 * There is no daemon: retention and compaction run when a producer rolls a segment (and on demand
 * with `strom log clean` / `strom log compact`). This hook is called by the partition writer after
 * a roll, outside its write lock. It never waits for another cleaner (whoever holds the cleaner
 * lock is doing the same job) and never fails the append that triggered it: problems become
 * warnings.
 */
import path from 'node:path'
import {TopicConfig, resolveConfig} from '../config.js'
import {readJsonFile} from '../io/atomic-file.js'
import {compactPartition, isCompacted} from './compaction.js'
import {describeRef, refFromPartitionDir, withCleanerLock, withWriteLock} from './partition-ref.js'
import {applyRetentionLocked, previewRetention} from './retention.js'

export function maintainAfterRoll(partitionDir: string, writerConfig: TopicConfig, warn: (message: string) => void): void {
  let ref = refFromPartitionDir(partitionDir, writerConfig)
  try {
    // Holds and retention settings may have been altered since this producer opened the topic.
    const meta = readJsonFile<{config?: Record<string, string>}>(path.join(path.dirname(partitionDir), 'topic.json'))
    if (meta?.config !== undefined) ref = {...ref, config: resolveConfig(meta.config)}
    const policies = ref.config.cleanupPolicy.split(',')
    if (policies.includes('delete') && previewRetention(ref).deletions.length > 0) {
      withCleanerLock(partitionDir, () => withWriteLock(partitionDir, () => applyRetentionLocked(ref, Date.now())), {wait: false})
    }
    if (isCompacted(ref.config.cleanupPolicy)) compactPartition(ref, {noWait: true})
  } catch (error) {
    warn(`retention/compaction of ${describeRef(ref)} after a segment roll failed: ${(error as Error).message} (the append itself succeeded; run \`strom log clean ${ref.topic}\` to retry)`)
  }
}
