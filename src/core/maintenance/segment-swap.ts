/**
 * Replacing segments with their compacted version, so that a crash at any moment leaves either the
 * old segments or the new ones, and readers (which take no lock) always see a log in which every
 * offset they can reach is present:
 *
 *   1. the cleaner writes `<base>.log.cleaned`, `.index.cleaned`, `.timeindex.cleaned` (and
 *      `.txnindex.cleaned` when there are aborted transactions) and fsyncs them (only the cleaner lock is held: producers keep appending to the active segment);
 *   2. `cleaner-swap.json` {"version":1,"base":B,"replaces":[B,...]} is written atomically and
 *      made durable: the commit point. Still only the cleaner lock: recovery acts on a manifest
 *      only when it holds that lock itself, so nobody reads it before step 3;
 *   3. under the write lock, and only for renames (no fsync: producers wait microseconds), the
 *      `.cleaned` files are renamed over `<B>.*` (the log first) and the other replaced segments'
 *      files are renamed `.deleted`;
 *   4. the directory is fsynced, the `.deleted` files unlinked, the manifest removed and the
 *      directory fsynced again (a manifest that outlived its swap in a crash would have recovery
 *      install the `.cleaned` files of a later pass that had not committed).
 * A crash anywhere after step 2 leaves the manifest, and recovery finishes the swap (every step
 * is idempotent: renames of files already moved and deletions of files already gone are skipped).
 * Kafka renames old segments away before the new ones are in place (`.swap` files); for lock-free
 * readers that leaves a moment where a range of offsets has no segment, so strom installs the new
 * segment first and keeps the list of what it replaces in the manifest instead. Recovery finishes
 * a committed swap (steps 3-5) and deletes the `.cleaned` files of one that was not committed.
 */
import fs from 'node:fs'
import path from 'node:path'
import {fsyncDirectory, readJsonFile, writeJsonAtomic} from '../io/atomic-file.js'
import {CLEANED_SUFFIX, DELETED_SUFFIX, Segment, renameSegmentsToDeleted} from '../segment/segment.js'
import {cleanerLockHeldHere, withCleanerLock, withWriteLock} from './partition-ref.js'
import {deleteSegmentsLocked, removeDeletedLeftovers} from './segment-delete.js'

export const SWAP_MANIFEST_FILE = 'cleaner-swap.json'

interface SwapManifest {
  version: 1
  base: number
  replaces: number[]
}

/**
 * Caller holds the cleaner lock, not the write lock (taken here, for the renames only); the
 * `.cleaned` files of `base` are written and fsynced.
 */
export function swapIn(partitionDir: string, base: number, replaces: number[]): void {
  const manifestFile = path.join(partitionDir, SWAP_MANIFEST_FILE)
  writeJsonAtomic(manifestFile, {version: 1, base, replaces} satisfies SwapManifest)
  const deleted = withWriteLock(partitionDir, () => {
    new Segment(partitionDir, base).swapInCleaned()
    return renameSegmentsToDeleted(partitionDir, replaces.filter((b) => b !== base))
  })
  fsyncDirectory(partitionDir)
  for (const file of deleted) fs.rmSync(file, {force: true})
  fs.rmSync(manifestFile, {force: true})
  fsyncDirectory(partitionDir)
}

function finishSwapLocked(partitionDir: string, manifest: SwapManifest): void {
  // A .cleaned file that is missing was already renamed by the run that was interrupted.
  new Segment(partitionDir, manifest.base).swapInCleaned()
  fsyncDirectory(partitionDir)
  deleteSegmentsLocked(partitionDir, manifest.replaces.filter((b) => b !== manifest.base))
  fs.rmSync(path.join(partitionDir, SWAP_MANIFEST_FILE), {force: true})
  fsyncDirectory(partitionDir)
}

export interface LeftoverReport {
  finishedSwap: boolean
  discardedCleaned: number
  removedDeleted: number
}

/**
 * Caller holds the write lock. Finishes or discards what a retention, compaction or repair that
 * died left behind. A `.cleaned` file may belong to a cleaner that is alive and still writing, so
 * this runs only when the cleaner lock is free (or held by this process's own maintenance job).
 */
export function recoverInterruptedMaintenanceLocked(partitionDir: string): LeftoverReport | undefined {
  const names = fs.readdirSync(partitionDir)
  const leftovers = names.some((n) => n.endsWith(CLEANED_SUFFIX) || n.endsWith(DELETED_SUFFIX) || n === SWAP_MANIFEST_FILE)
  if (!leftovers) return undefined
  const work = (): LeftoverReport => {
    let finishedSwap = false
    let discardedCleaned = 0
    let manifest: SwapManifest | undefined
    try {
      manifest = readJsonFile<SwapManifest>(path.join(partitionDir, SWAP_MANIFEST_FILE))
    } catch {
      manifest = undefined // torn manifests cannot exist (atomic write); a garbage one is not ours to trust
    }
    if (manifest !== undefined && Number.isSafeInteger(manifest.base) && Array.isArray(manifest.replaces)) {
      finishSwapLocked(partitionDir, manifest)
      finishedSwap = true
    }
    for (const name of fs.readdirSync(partitionDir)) {
      if (!name.endsWith(CLEANED_SUFFIX)) continue
      fs.rmSync(path.join(partitionDir, name), {force: true})
      discardedCleaned++
    }
    const removedDeleted = removeDeletedLeftovers(partitionDir, fs.readdirSync(partitionDir))
    return {finishedSwap, discardedCleaned, removedDeleted}
  }
  if (cleanerLockHeldHere(partitionDir)) return work()
  return withCleanerLock(partitionDir, work, {wait: false})
}
