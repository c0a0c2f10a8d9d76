/**
 * Partition assignment strategies, as pure functions of (members, their subscriptions, the
 * partitions, the previous assignment). Every member that changes the group runs the same
 * function on the same inputs, so no leader is needed.
 *
 *   range       per topic, partitions in order split into contiguous ranges over the subscribed
 *               members sorted by id; the first (n % m) members get one extra (Kafka's RangeAssignor)
 *   roundrobin  all partitions (topic, partition order) dealt round-robin over the sorted members,
 *               skipping members not subscribed to the topic (Kafka's RoundRobinAssignor)
 *   sticky      balanced (counts differ by at most one among members that can take a partition)
 *               while moving as few partitions as possible from the previous assignment
 */
import {compareNames} from './name-order.js'

export const STRATEGIES = ['sticky', 'range', 'roundrobin'] as const
export type Strategy = (typeof STRATEGIES)[number]

export interface TopicPartition {
  topic: string
  partition: number
}

export interface AssignmentInput {
  /** member id → subscribed topic names (already resolved from patterns). */
  subscriptions: Record<string, string[]>
  /** topic → partition count. */
  partitionCounts: Record<string, number>
  /** member id → partitions ("topic:partition") it had; used by sticky. */
  previous?: Record<string, string[]>
}

export type Assignment = Record<string, string[]>

export const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`

export function parseTpKey(key: string): TopicPartition {
  const at = key.lastIndexOf(':')
  return {topic: key.slice(0, at), partition: Number(key.slice(at + 1))}
}

export function assign(strategy: Strategy, input: AssignmentInput): Assignment {
  switch (strategy) {
    case 'range':
      return rangeAssign(input)
    case 'roundrobin':
      return roundRobinAssign(input)
    case 'sticky':
      return stickyAssign(input)
  }
}

function sortedMembers(input: AssignmentInput): string[] {
  return Object.keys(input.subscriptions).sort()
}

function emptyAssignment(members: string[]): Assignment {
  return Object.fromEntries(members.map((m) => [m, []]))
}

function allPartitions(input: AssignmentInput): string[] {
  const topics = new Set<string>()
  for (const subscribed of Object.values(input.subscriptions)) for (const t of subscribed) if (input.partitionCounts[t] !== undefined) topics.add(t)
  const keys: string[] = []
  for (const topic of [...topics].sort()) for (let p = 0; p < input.partitionCounts[topic]; p++) keys.push(tpKey(topic, p))
  return keys
}

export function rangeAssign(input: AssignmentInput): Assignment {
  const members = sortedMembers(input)
  const result = emptyAssignment(members)
  const topics = [...new Set(members.flatMap((m) => input.subscriptions[m]))].filter((t) => input.partitionCounts[t] !== undefined).sort()
  for (const topic of topics) {
    const consumers = members.filter((m) => input.subscriptions[m].includes(topic))
    const n = input.partitionCounts[topic]
    const per = Math.floor(n / consumers.length)
    const extra = n % consumers.length
    let next = 0
    consumers.forEach((member, i) => {
      const count = per + (i < extra ? 1 : 0)
      for (let k = 0; k < count; k++) result[member].push(tpKey(topic, next++))
    })
  }
  return result
}

export function roundRobinAssign(input: AssignmentInput): Assignment {
  const members = sortedMembers(input)
  const result = emptyAssignment(members)
  if (members.length === 0) return result
  let cursor = 0
  for (const key of allPartitions(input)) {
    const {topic} = parseTpKey(key)
    for (let tries = 0; tries < members.length; tries++) {
      const member = members[cursor % members.length]
      cursor++
      if (input.subscriptions[member].includes(topic)) {
        result[member].push(key)
        break
      }
    }
  }
  return result
}

export function stickyAssign(input: AssignmentInput): Assignment {
  const members = sortedMembers(input)
  const result = emptyAssignment(members)
  if (members.length === 0) return result
  const partitions = allPartitions(input)
  const canTake = (member: string, key: string) => input.subscriptions[member].includes(parseTpKey(key).topic)
  const eligible = (key: string) => members.filter((m) => canTake(m, key))
  // Fair share when everyone can take everything; with mixed subscriptions the balancing pass below evens out.
  const ceiling = Math.ceil(partitions.length / members.length)
  const owner = new Map<string, string>()

  // 1. Keep previous placements that are still valid, up to the fair-share ceiling.
  const valid = new Set(partitions)
  for (const member of members) {
    for (const key of input.previous?.[member] ?? []) {
      if (!valid.has(key) || owner.has(key) || !canTake(member, key)) continue
      if (result[member].length >= ceiling) continue
      result[member].push(key)
      owner.set(key, member)
    }
  }
  // 2. Place the rest on the least-loaded eligible member.
  for (const key of partitions) {
    if (owner.has(key)) continue
    const candidates = eligible(key)
    if (candidates.length === 0) continue
    const target = candidates.reduce((best, m) => (result[m].length < result[best].length ? m : best))
    result[target].push(key)
    owner.set(key, target)
  }
  // 3. Even out: move one partition at a time from the most to the least loaded member that can take it.
  for (let guard = 0; guard < partitions.length * members.length; guard++) {
    let moved = false
    const byLoad = [...members].sort((a, b) => result[b].length - result[a].length || compareNames(a, b))
    for (const heavy of byLoad) {
      for (const light of [...byLoad].reverse()) {
        if (result[heavy].length - result[light].length <= 1) continue
        const movable = [...result[heavy]].reverse().find((key) => canTake(light, key))
        if (movable === undefined) continue
        result[heavy] = result[heavy].filter((key) => key !== movable)
        result[light].push(movable)
        moved = true
        break
      }
      if (moved) break
    }
    if (!moved) break
  }
  for (const member of members) result[member].sort(compareTpKeys)
  return result
}

export function compareTpKeys(a: string, b: string): number {
  const x = parseTpKey(a)
  const y = parseTpKey(b)
  return x.topic === y.topic ? x.partition - y.partition : compareNames(x.topic, y.topic)
}
