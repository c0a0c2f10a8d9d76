/**
 * `strom top` on Kafka. The dashboard polls synchronously (StatsSource, shared with log
 * directories); a cluster answers asynchronously. So take() returns the newest finished snapshot
 * and starts the next one in the background: the screen is at most one refresh behind.
 */
import {type GroupSnapshot, type Snapshot, type StatsSource, type TopicSnapshot, groupSnapshot} from '../../core/stats/snapshot.js'
import type {TailRecord} from '../../core/stats/tail.js'
import type {KafkaBackend} from './kafka-backend.js'

export class KafkaStatsSource implements StatsSource {
  private latest: Snapshot = {takenMs: Date.now(), topics: [], groups: []}
  private refreshing: Promise<void> | undefined
  private readonly tails = new Map<string, TailRecord[]>()
  private tailing: Promise<void> | undefined
  private unseen = false

  constructor(private readonly backend: KafkaBackend, readonly dir: string) {}

  take(): Snapshot {
    // A snapshot nobody has seen yet is returned as it is; otherwise the next one starts now.
    if (this.unseen) {
      this.unseen = false
      return this.latest
    }
    // A failed poll (the cluster went away for a moment) leaves the last picture up; the next poll retries.
    this.refreshing ??= this.refresh()
      .catch(() => undefined)
      .finally(() => (this.refreshing = undefined))
    return this.latest
  }

  tail(topic: string, count: number): TailRecord[] {
    this.tailing ??= this.backend
      .tail(topic, count)
      .then((records) => {
        this.tails.set(topic, records.map((r) => ({partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: r.key?.toString('utf8') ?? null, value: r.value?.toString('utf8') ?? null})))
      })
      .catch(() => undefined)
      .finally(() => (this.tailing = undefined))
    return this.tails.get(topic) ?? []
  }

  async refresh(): Promise<void> {
    const takenMs = Date.now()
    // One ListOffsets per topic: no metadata or config reads on a dashboard poll.
    const topics: TopicSnapshot[] = (await this.backend.topicOffsets()).map(({topic, partitions}) => {
      // NaN: no size known (Kafka's metadata has none); the dashboard shows "-", JSON null.
      const snapshots = partitions.map((p) => ({partition: p.partition, logStart: p.logStartOffset, end: p.endOffset, sizeBytes: Number.NaN}))
      return {
        name: topic,
        partitions: snapshots,
        messages: snapshots.reduce((n, p) => n + p.end - p.logStart, 0),
        end: snapshots.reduce((n, p) => n + p.end, 0),
        sizeBytes: Number.NaN,
      }
    })
    const groups: GroupSnapshot[] = []
    for (const g of await this.backend.listGroups()) {
      const d = await this.backend.describeGroup(g.group).catch(() => undefined)
      if (d !== undefined) groups.push(groupSnapshot(d))
    }
    this.latest = {takenMs, topics, groups}
    this.unseen = true
  }
}
