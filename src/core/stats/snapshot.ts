/**
 * A cheap, read-only picture of a log directory for dashboards: per partition the log start, end
 * offset and size; per group its state, members and lag. It reads end offsets (last index entry +
 * a short scan) and file sizes, never message data.
 */
import {StromError} from '../errors.js'
import {describeGroup, listGroups} from '../groups/group-admin.js'
import type {Log, Topic} from '../log.js'

export interface PartitionSnapshot {
  partition: number
  logStart: number
  end: number
  sizeBytes: number
}

export interface TopicSnapshot {
  name: string
  partitions: PartitionSnapshot[]
  messages: number
  end: number
  sizeBytes: number
}

export interface GroupSnapshot {
  group: string
  state: string
  members: number
  totalLag: number
  memberIds: string[]
  partitions: Array<{topic: string; partition: number; committed: number | null; end: number; lag: number | null; owner: string | null}>
}

export interface Snapshot {
  takenMs: number
  topics: TopicSnapshot[]
  groups: GroupSnapshot[]
}

/** Keeps Topic handles between snapshots so repeated polls reuse cached segment listings. */
export class SnapshotSource {
  private readonly topics = new Map<string, Topic>()

  constructor(readonly log: Log) {}

  take(): Snapshot {
    const takenMs = Date.now()
    const topics: TopicSnapshot[] = []
    for (const name of this.log.listTopics()) {
      const topic = this.topic(name)
      if (topic === undefined) continue
      const partitions: PartitionSnapshot[] = []
      for (let p = 0; p < topic.partitions; p++) {
        try {
          const info = topic.describePartition(p)
          partitions.push({partition: p, logStart: info.logStartOffset, end: info.endOffset, sizeBytes: info.sizeBytes})
        } catch {
          // deleted while we looked
        }
      }
      topics.push({
        name,
        partitions,
        messages: partitions.reduce((n, p) => n + (p.end - p.logStart), 0),
        end: partitions.reduce((n, p) => n + p.end, 0),
        sizeBytes: partitions.reduce((n, p) => n + p.sizeBytes, 0),
      })
    }
    const groups: GroupSnapshot[] = []
    for (const summary of listGroups(this.log)) {
      try {
        const d = describeGroup(this.log, summary.group)
        groups.push({
          group: d.group,
          state: d.state,
          members: d.members.length,
          totalLag: d.totalLag,
          memberIds: d.members.map((m) => m.id),
          partitions: d.partitions.map((p) => ({topic: p.topic, partition: p.partition, committed: p.committed, end: p.end, lag: p.lag, owner: p.owner})),
        })
      } catch (error) {
        if (!(error instanceof StromError)) throw error
      }
    }
    return {takenMs, topics, groups}
  }

  private topic(name: string): Topic | undefined {
    try {
      const cached = this.topics.get(name)
      const meta = this.log.topics.read(name)
      if (cached !== undefined && cached.partitions === meta.partitions) return cached
      const topic = this.log.topic(name)
      this.topics.set(name, topic)
      return topic
    } catch {
      return undefined
    }
  }
}
