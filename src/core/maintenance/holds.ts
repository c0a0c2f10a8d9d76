/**
 * Retention holds (`retention.hold.groups=g1,g2`), which no Kafka tool has: retention keeps every
 * segment that one of those groups has not committed past, however old. A group that has never
 * committed for a partition has read nothing of it, so it holds the whole partition.
 */
import {readCommittedOffsets} from '../groups/commits.js'
import {validateName} from '../names.js'

export interface HoldState {
  /** Retention may delete only below this offset (undefined: no hold configured). */
  holdOffset: number | undefined
  /** The group(s) setting that limit, with their committed offsets (null: no commit). */
  groups: Array<{group: string; committed: number | null}>
}

export function parseHoldGroups(raw: string): string[] {
  return raw.split(',').map((name) => name.trim()).filter((name) => name !== '').map((name) => validateName('group', name))
}

export function readHolds(logDir: string, topic: string, partition: number, holdGroups: string[]): HoldState {
  if (holdGroups.length === 0) return {holdOffset: undefined, groups: []}
  const groups = holdGroups.map((group) => {
    const committed = readCommittedOffsets(logDir, group)[topic]?.[String(partition)]?.offset
    return {group, committed: typeof committed === 'number' && Number.isSafeInteger(committed) && committed >= 0 ? committed : null}
  })
  const holdOffset = Math.min(...groups.map((g) => g.committed ?? 0))
  return {holdOffset, groups}
}
