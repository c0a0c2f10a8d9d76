/**
 * Strict shape checks of state.json and offsets.json after parsing (and, for version 2, after the
 * checksum matched): a version 1 file has no checksum, so a damaged value must at least not pass
 * for a valid one. Each throws a string naming the first wrong field (see group-files.ts).
 */
import type {CommittedOffset, GroupState, MemberInfo, OffsetsByTopic} from './group-store.js'
import {requireNonNegativeInteger, requireObject, requireString} from './group-files.js'

const STRATEGIES = new Set(['sticky', 'range', 'roundrobin'])

export function validateOffsets(file: Record<string, unknown>): OffsetsByTopic {
  const offsets = requireObject(file.offsets, '"offsets"')
  for (const [topic, byPartition] of Object.entries(offsets)) {
    for (const [partition, entry] of Object.entries(requireObject(byPartition, `offsets of topic '${topic}'`))) {
      const where = `the offset of ${topic}/${partition}`
      if (!/^(0|[1-9]\d*)$/.test(partition)) throw `partition "${partition}" of topic '${topic}' is not a partition number`
      const committed = requireObject(entry, where) as unknown as CommittedOffset
      requireNonNegativeInteger(committed.offset, `${where} ("offset")`)
      requireString(committed.metadata, `${where} ("metadata")`)
      requireNonNegativeInteger(committed.commitTimestamp, `${where} ("commitTimestamp")`)
    }
  }
  return offsets as OffsetsByTopic
}

export function validateState(file: Record<string, unknown>): GroupState {
  requireNonNegativeInteger(file.generation, '"generation"')
  if (file.protocol !== null && !STRATEGIES.has(file.protocol as string)) throw `"protocol" is ${JSON.stringify(file.protocol)}, not a known strategy`
  const members = requireObject(file.members, '"members"')
  for (const [id, value] of Object.entries(members)) {
    const member = requireObject(value, `member ${id}`) as unknown as MemberInfo
    requireNonNegativeInteger(member.pid, `the pid of member ${id}`)
    requireString(member.host, `the host of member ${id}`)
    requireNonNegativeInteger(member.startedMs, `the start time of member ${id}`)
    stringArray(member.topics, `the topics of member ${id}`)
    if (member.pattern !== null) requireString(member.pattern, `the pattern of member ${id}`)
    member.subscribed = member.subscribed === undefined ? [] : stringArray(member.subscribed, `the subscription of member ${id}`)
  }
  for (const [id, keys] of Object.entries(requireObject(file.target, '"target"'))) stringArray(keys, `the target of member ${id}`)
  for (const [key, value] of Object.entries(requireObject(file.owned, '"owned"'))) {
    const owner = requireObject(value, `the owner of ${key}`)
    requireString(owner.member, `the owner of ${key}`)
    requireNonNegativeInteger(owner.generation, `the generation of ${key}`)
  }
  return file as unknown as GroupState
}

function stringArray(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw `${where} is not a list of strings`
  return value as string[]
}
