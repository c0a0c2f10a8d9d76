/**
 * Offsets a partition knowingly does not have because `strom log repair` cut the damaged batch that
 * held them (the bytes are in quarantine). `log verify` accepts exactly these gaps in a topic that
 * is otherwise contiguous (never compacted), instead of calling them a damaged offset field.
 *
 *   <topic>/<partition>/repair-gaps.json   [{"from": 50, "to": 99, "segment": 0, "quarantineFile": "..."}, ...]
 *
 * `from` and `to` are inclusive. Written atomically (replaced as a whole), only by repair.
 */
import path from 'node:path'
import {readJsonFile, writeJsonAtomic} from '../io/atomic-file.js'

export const REPAIR_GAPS_FILE = 'repair-gaps.json'

export interface OffsetGap {
  from: number
  to: number
  segment: number
  quarantineFile: string
}

export function readOffsetGaps(partitionDir: string): OffsetGap[] {
  try {
    const gaps = readJsonFile<OffsetGap[]>(path.join(partitionDir, REPAIR_GAPS_FILE))
    return Array.isArray(gaps) ? gaps.filter((g) => Number.isSafeInteger(g?.from) && Number.isSafeInteger(g?.to)) : []
  } catch {
    return [] // unreadable: verify then reports the gaps, which is the safe side
  }
}

/** Caller holds the write lock. */
export function recordOffsetGaps(partitionDir: string, gaps: OffsetGap[]): void {
  writeJsonAtomic(path.join(partitionDir, REPAIR_GAPS_FILE), [...readOffsetGaps(partitionDir), ...gaps])
}
