/**
 * There is no daemon: retention and compaction become due when a producer rolls a segment. The
 * partition writer only reports the roll (RollEvent); this scheduler decides, cheaply, whether
 * work is due, and hands it to a launcher, which runs it elsewhere: never inside the append.
 *
 *   - the CLI's launcher runs it on a low-priority thread of the process, and what is outstanding
 *     when the process exits in a detached `strom log clean TOPIC` (src/cli/background-cleaner.ts);
 *   - the library's default runs `maintainPartition` in this process, on a later turn of the event
 *     loop (after the append and its caller's synchronous work are done).
 *
 * The due check must cost the same whatever the partition's history: it keeps each partition's
 * closed segment sizes in memory (one listing the first time, then one entry per roll), and reads
 * only the oldest segment (retention.ms), two tiny checkpoints and topic.json (settings altered
 * meanwhile). When another process changed the segment list (its own rolls, a cleaner's
 * deletions), the sizes are listed again. The cleaner itself re-plans from the files, under its
 * lock, so a wrong "due" costs one idle pass and never a wrong deletion.
 */
import fs from 'node:fs'
import path from 'node:path'
import {TopicConfig, resolveConfig} from '../config.js'
import {Segment} from '../segment/segment.js'
import {readJsonFile} from '../io/atomic-file.js'
import {listSegmentBases, readLogStartCheckpoint} from '../partition/partition-files.js'
import type {RollEvent} from '../partition/partition-writer.js'
import {isCompacted, readCleanerCheckpoint} from './compaction.js'
import {maintainPartition} from './maintain.js'
import {PartitionRef, describeRef, refFromPartitionDir} from './partition-ref.js'
import {describeSegment} from './segment-info.js'

/** Where and what to maintain: one partition (a launcher may well clean its whole topic). */
export type MaintenanceRequest = PartitionRef

/** Runs (or arranges to run) a maintenance pass over a partition, off the caller's path. */
export type MaintenanceLauncher = (request: MaintenanceRequest) => void

interface ClosedSegments {
  /** Closed segments, oldest first. */
  bases: number[]
  sizes: number[]
  /** Base of the active segment when last seen. */
  activeBase: number
  /** Largest timestamp of the oldest segment (closed segments change only by maintenance). */
  oldest?: {base: number; largestTimestamp: number}
}

export class MaintenanceScheduler {
  private readonly partitions = new Map<string, ClosedSegments>()

  constructor(private readonly launch: MaintenanceLauncher, private readonly warn: (message: string) => void) {}

  /** A writer rolled: launch maintenance of its partition if retention or compaction is due. */
  rolled(event: RollEvent, writerConfig: TopicConfig): void {
    let ref = refFromPartitionDir(event.partitionDir, writerConfig)
    try {
      const meta = readJsonFile<{config?: Record<string, string>}>(path.join(path.dirname(event.partitionDir), 'topic.json'))
      if (meta?.config !== undefined) ref = {...ref, config: resolveConfig(meta.config)}
      if (this.isDue(ref, event)) {
        // What maintenance does (deletions, merges) invalidates what we know: list again next time.
        this.partitions.delete(event.partitionDir)
        this.launch(ref)
      }
    } catch (error) {
      this.partitions.delete(event.partitionDir)
      this.warn(`checking whether ${describeRef(ref)} needs retention or compaction failed: ${(error as Error).message} (the append itself succeeded; run \`strom log clean ${ref.topic}\`)`)
    }
  }

  private isDue(ref: PartitionRef, event: RollEvent): boolean {
    const policies = ref.config.cleanupPolicy.split(',')
    const retains = policies.includes('delete') && (ref.config.retentionMs >= 0 || ref.config.retentionBytes >= 0)
    const compacts = isCompacted(ref.config.cleanupPolicy)
    const logStart = readLogStartCheckpoint(ref.partitionDir)
    // Below the log start (delete-records): due whatever the policy. Usually no segment is.
    const state = this.closedSegments(ref.partitionDir, event)
    if (state.bases.length === 0) return false
    const firstEnd = state.bases.length > 1 ? state.bases[1] : state.activeBase
    if (firstEnd <= logStart) return true
    if (retains) {
      const {retentionBytes, retentionMs} = ref.config
      // The new active segment is empty, so the partition's size is the closed segments' sum.
      if (retentionBytes >= 0 && sum(state.sizes) - state.sizes[0] >= retentionBytes) return true
      if (retentionMs >= 0 && Date.now() - this.oldestTimestamp(ref.partitionDir, state) > retentionMs) return true
    }
    if (compacts) {
      const checkpoint = readCleanerCheckpoint(ref.partitionDir)
      let dirty = 0
      for (let i = 0; i < state.bases.length; i++) if (state.bases[i] >= checkpoint) dirty += state.sizes[i]
      const total = sum(state.sizes)
      if (dirty > 0 && total > 0 && dirty / total > ref.config.minCleanableDirtyRatio) return true
    }
    return false
  }

  /** Closed segment sizes, kept up to date from the writer's rolls; listed again when others changed them. */
  private closedSegments(partitionDir: string, event: RollEvent): ClosedSegments {
    let state = this.partitions.get(partitionDir)
    const continues = state !== undefined && state.activeBase === event.closedBaseOffset
      && (state.bases.length === 0 || fs.existsSync(new Segment(partitionDir, state.bases[0]).paths.log))
    if (state !== undefined && continues) {
      state.bases.push(event.closedBaseOffset)
      state.sizes.push(event.closedSizeBytes)
      state.activeBase = event.baseOffset
      return state
    }
    const bases = listSegmentBases(partitionDir)
    const closed = bases.slice(0, -1)
    state = {
      bases: closed,
      sizes: closed.map((base) => new Segment(partitionDir, base).logSize()),
      activeBase: bases.at(-1) ?? event.baseOffset,
    }
    this.partitions.set(partitionDir, state)
    return state
  }

  private oldestTimestamp(partitionDir: string, state: ClosedSegments): number {
    const base = state.bases[0]
    if (state.oldest?.base !== base) {
      const info = describeSegment(partitionDir, base, false)
      state.oldest = {base, largestTimestamp: info?.largestTimestamp ?? Date.now()}
    }
    return state.oldest.largestTimestamp
  }
}

function sum(values: number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}

/**
 * The library's default launcher: maintenance in this process, after the current turn of the
 * event loop (so never inside an append), one pass per partition at a time.
 */
export function inProcessLauncher(warn: (message: string) => void): MaintenanceLauncher {
  const queued = new Set<string>()
  return (ref) => {
    if (queued.has(ref.partitionDir)) return
    queued.add(ref.partitionDir)
    setImmediate(() => {
      queued.delete(ref.partitionDir)
      try {
        maintainPartition(ref, {trigger: 'roll'})
      } catch (error) {
        warn(`retention/compaction of ${describeRef(ref)} after a segment roll failed: ${(error as Error).message} (run \`strom log clean ${ref.topic}\` to retry)`)
      }
    })
  }
}
