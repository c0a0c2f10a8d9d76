/**
 * What the offset index and the time index share (Kafka's AbstractIndex under OffsetIndex and
 * TimeIndex): a file of fixed-size entries appended in key order, never preallocated, so a writer
 * that dies mid-append leaves at most one partial entry at the end. Readers ignore that partial
 * entry; the writer cuts it when it reopens the segment. Each index supplies its entry size and how
 * an entry decodes (see offset-index.ts and time-index.ts for the two layouts); both look up "the
 * last entry whose key is below the target".
 */
import fs from 'node:fs'
import {readFully} from './batch-scan.js'

/** The bytes of `size` that hold whole entries: a partial entry at the end does not count. */
export function wholeEntryBytes(size: number, entrySize: number): number {
  return size - (size % entrySize)
}

/** Calls `decodeEntry` on each whole entry of `bytes`, in order, with the entry's byte position. */
export function forEachEntry(bytes: Buffer, entrySize: number, decodeEntry: (at: number) => void): void {
  const usable = wholeEntryBytes(bytes.length, entrySize)
  for (let at = 0; at < usable; at += entrySize) decodeEntry(at)
}

/** Reads and decodes an index file; undefined when the file does not exist. */
export function readIndexFile<T>(file: string, decode: (bytes: Buffer) => T): T | undefined {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return decode(bytes)
}

/** Index of the last key strictly below `target` in ascending `keys`, or -1 when there is none. */
export function lastBelow(keys: readonly number[], target: number): number {
  let lo = 0
  let hi = keys.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid] < target) {
      found = mid
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return found
}

/**
 * For a writer reopening an index of `size` bytes: cuts a torn last entry (the writer died between
 * the log write and the index write; the entry is derived data, so it is simply dropped) and
 * returns the new size and the last whole entry's bytes, if any, to resume from.
 */
export function dropTornEntry(fd: number, size: number, entrySize: number): {sizeBytes: number; last: Buffer | undefined} {
  const sizeBytes = wholeEntryBytes(size, entrySize)
  if (sizeBytes !== size) fs.ftruncateSync(fd, sizeBytes)
  if (sizeBytes === 0) return {sizeBytes, last: undefined}
  const last = Buffer.alloc(entrySize)
  readFully(fd, last, entrySize, sizeBytes - entrySize)
  return {sizeBytes, last}
}
