/** A canned StatsSource: a small world that changes a little on every poll, for component tests. */
import type {GroupSnapshot, Snapshot, StatsSource, TopicSnapshot} from '../../../src/core/stats/snapshot.js'
import type {TailRecord} from '../../../src/core/stats/tail.js'

export function topic(name: string, ends: number[], bytesPerMessage = 10): TopicSnapshot {
  const partitions = ends.map((end, partition) => ({partition, logStart: 0, end, sizeBytes: end * bytesPerMessage}))
  const end = ends.reduce((a, b) => a + b, 0)
  return {name, partitions, messages: end, end, sizeBytes: end * bytesPerMessage}
}

/** A group reading `topicName` whose committed offsets stay at `committed` while the topic grows. */
export function group(name: string, state: string, memberIds: string[], t: TopicSnapshot, committed: number): GroupSnapshot {
  const partitions = t.partitions.map((p, i) => {
    const owner = memberIds.length === 0 ? null : memberIds[i % memberIds.length]
    return {topic: t.name, partition: p.partition, committed, end: p.end, lag: Math.max(0, p.end - committed), owner}
  })
  const lag = partitions.reduce((n, p) => n + (p.lag ?? 0), 0)
  return {
    group: name,
    state,
    members: memberIds.map((id) => ({id, host: 'box', pid: 4242, assignment: partitions.filter((p) => p.owner === id).map((p) => `${t.name}:${p.partition}`)})),
    totalLag: lag,
    topics: [{topic: t.name, partitions: partitions.length, owned: partitions.filter((p) => p.owner !== null).length, lag}],
    partitions,
  }
}

export class FakeSource implements StatsSource {
  readonly dir = '/var/lib/strom'
  takes = 0
  tailCalls: Array<{topic: string; count: number}> = []
  tailRecords: TailRecord[] = []
  private now = Date.parse('2026-01-01T00:00:00Z')

  /** `world(n)` is the snapshot content at the n-th poll (n from 1). */
  constructor(private readonly world: (n: number) => Pick<Snapshot, 'topics' | 'groups'>) {}

  take(): Snapshot {
    this.takes++
    this.now += 1000
    return {takenMs: this.now, ...this.world(this.takes)}
  }

  tail(topicName: string, count: number): TailRecord[] {
    this.tailCalls.push({topic: topicName, count})
    return this.tailRecords.slice(-count)
  }
}

/** app-logs grows by 100 messages a poll (on partition 0), events stays; "workers" falls behind. */
export function busyWorld(n: number): Pick<Snapshot, 'topics' | 'groups'> {
  const appLogs = topic('app-logs', [100 * n, 7])
  const events = topic('events', [7])
  return {topics: [appLogs, events], groups: [group('workers', 'Stable', ['m1', 'm2'], appLogs, 5), group('audit', 'Empty', [], events, 7)]}
}
