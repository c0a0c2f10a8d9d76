/**
 * What maintenance needs to know about one partition, and the two locks it works under.
 *
 * Lock order, always: the partition's `cleaner.lock` (one retention, compaction or repair at a
 * time, held for the whole job), then its `write.lock` (held only while files are renamed,
 * truncated or the active segment rolled, so producers wait milliseconds, not for a compaction).
 * A producer holds only `write.lock` and never asks for `cleaner.lock` while holding it, so the
 * two can never deadlock.
 */
import path from 'node:path'
import type {TopicConfig} from '../config.js'
import {fileLockFor} from '../io/file-lock.js'
import type {Topic} from '../log.js'
import {CLEANER_LOCK_FILE, WRITE_LOCK_FILE, assertInsideTopicsDir} from '../partition/partition-files.js'

export interface PartitionRef {
  logDir: string
  topic: string
  partition: number
  partitionDir: string
  config: TopicConfig
}

export function partitionRefs(topic: Topic, partitions?: number[]): PartitionRef[] {
  const list = partitions ?? [...Array(topic.partitions).keys()]
  return list.map((partition) => {
    const partitionDir = topic.partitionDir(partition)
    assertInsideTopicsDir(partitionDir)
    return {logDir: topic.log.dir, topic: topic.name, partition, partitionDir, config: topic.config}
  })
}

/** The layout is fixed (<dir>/topics/<topic>/<partition>), so a partition directory names its topic and log directory. */
export function refFromPartitionDir(partitionDir: string, config: TopicConfig): PartitionRef {
  const topicDir = path.dirname(partitionDir)
  return {logDir: path.dirname(path.dirname(topicDir)), topic: path.basename(topicDir), partition: Number(path.basename(partitionDir)), partitionDir, config}
}

export function describeRef(ref: PartitionRef): string {
  return `${ref.topic}/${ref.partition}`
}

const cleanerLocksHeld = new Set<string>()

/**
 * Runs `work` holding the cleaner lock; with `wait: false`, returns undefined when someone else
 * holds it. Re-entrant: inside a job that holds it already (a maintenance thread takes it before a
 * whole pass), `work` just runs.
 */
export function withCleanerLock<T>(partitionDir: string, work: () => T, options: {wait: boolean} = {wait: true}): T | undefined {
  if (cleanerLocksHeld.has(partitionDir)) return work()
  const lock = fileLockFor(path.join(partitionDir, CLEANER_LOCK_FILE))
  if (options.wait) lock.acquire()
  else if (!lock.tryAcquire()) return undefined
  cleanerLocksHeld.add(partitionDir)
  try {
    return work()
  } finally {
    cleanerLocksHeld.delete(partitionDir)
    lock.release()
  }
}

/** True when this process holds the partition's cleaner lock (inside withCleanerLock). */
export function cleanerLockHeldHere(partitionDir: string): boolean {
  return cleanerLocksHeld.has(partitionDir)
}

export function withWriteLock<T>(partitionDir: string, work: () => T): T {
  return fileLockFor(path.join(partitionDir, WRITE_LOCK_FILE)).withLock(work)
}
