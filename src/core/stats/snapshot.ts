/**
 * A cheap, read-only picture of a log directory for dashboards (`strom top`): per partition the
 * log start, end offset and size; per group its state, members, assignment and lag, also summed per
 * topic. It reads directory and file stats and each segment's last index entry (the readers cache
 * them between polls), never message data; `tail()` is the one exception, for the topic on screen.
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {type GroupDescription, describeGroup, listGroups} from '../groups/group-admin.js'
import type {Log, Topic} from '../log.js'
import {TOPIC_META_FILE} from '../topic/topic-store.js'
import {tailTopic, type TailRecord} from './tail.js'

export interface PartitionSnapshot {
  partition: number
  logStart: number
  end: number
  sizeBytes: number
}

export interface TopicSnapshot {
  name: string
  partitions: PartitionSnapshot[]
  /** Messages currently held (end minus log start, summed over partitions). */
  messages: number
  /** Sum of the partitions' end offsets: grows by one per message ever appended. */
  end: number
  sizeBytes: number
}

export interface GroupMemberSnapshot {
  id: string
  host: string
  pid: number
  /** "topic:partition" keys this member is meant to read. */
  assignment: string[]
}

export interface GroupPartitionSnapshot {
  topic: string
  partition: number
  committed: number | null
  end: number
  lag: number | null
  /** The live member reading it now, if any. */
  owner: string | null
}

/** A group's position in one topic. */
export interface GroupTopicSnapshot {
  topic: string
  partitions: number
  /** Partitions with a live owner. */
  owned: number
  lag: number
}

export interface GroupSnapshot {
  group: string
  state: string
  members: GroupMemberSnapshot[]
  totalLag: number
  topics: GroupTopicSnapshot[]
  partitions: GroupPartitionSnapshot[]
}

export interface Snapshot {
  takenMs: number
  topics: TopicSnapshot[]
  groups: GroupSnapshot[]
}

/** What a dashboard needs from a log directory; canned in tests. */
export interface StatsSource {
  readonly dir: string
  take(): Snapshot
  /** The newest `count` messages of one topic over all partitions, oldest first. */
  tail(topic: string, count: number): TailRecord[]
}

/** Keeps Topic handles between polls, so their readers reuse cached segment listings and ends. */
export class SnapshotSource implements StatsSource {
  private readonly topics = new Map<string, {topic: Topic; stamp: string}>()

  constructor(readonly log: Log) {}

  get dir(): string {
    return this.log.dir
  }

  take(): Snapshot {
    const takenMs = Date.now()
    const names = this.log.listTopics()
    const present = new Set(names)
    for (const cached of this.topics.keys()) if (!present.has(cached)) this.topics.delete(cached)
    const topics: TopicSnapshot[] = []
    for (const name of names) {
      const topic = this.topic(name)
      if (topic !== undefined) topics.push(describeTopic(topic))
    }
    // Groups' lag uses the end offsets just read, so a group over every partition costs no more reads.
    const byName = new Map(topics.map((t) => [t.name, t]))
    const positions = (name: string, partition: number) => {
      const partitions = byName.get(name)?.partitions
      const p = partitions?.[partition]?.partition === partition ? partitions[partition] : partitions?.find((x) => x.partition === partition)
      return p === undefined ? undefined : {logStart: p.logStart, end: p.end}
    }
    const groups: GroupSnapshot[] = []
    for (const {group} of listGroups(this.log)) {
      try {
        groups.push(describeGroupSnapshot(this.log, group, positions))
      } catch (error) {
        // Deleted or being rewritten while we looked: it shows up again on the next poll.
        if (!(error instanceof StromError)) throw error
      }
    }
    return {takenMs, topics, groups}
  }

  tail(name: string, count: number): TailRecord[] {
    const topic = this.topic(name)
    if (topic === undefined) return []
    try {
      return tailTopic(topic, count)
    } catch (error) {
      // Retention removed the segment being read: the next poll reads the new oldest one.
      if (error instanceof StromError || (error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }

  /**
   * A cached handle, reopened when the topic's metadata file changed (more partitions, new config,
   * or deleted and created again: a new inode); undefined when the topic is gone.
   */
  private topic(name: string): Topic | undefined {
    try {
      const stat = fs.statSync(path.join(this.log.topics.topicDir(name), TOPIC_META_FILE), {bigint: true, throwIfNoEntry: false})
      if (stat === undefined) {
        this.topics.delete(name)
        return undefined
      }
      const stamp = `${stat.ino}:${stat.mtimeNs}:${stat.size}`
      const cached = this.topics.get(name)
      if (cached !== undefined && cached.stamp === stamp) return cached.topic
      const topic = this.log.topic(name)
      this.topics.set(name, {topic, stamp})
      return topic
    } catch (error) {
      if (error instanceof StromError) return undefined
      throw error
    }
  }
}

function describeTopic(topic: Topic): TopicSnapshot {
  const partitions: PartitionSnapshot[] = []
  for (let p = 0; p < topic.partitions; p++) {
    try {
      const info = topic.describePartition(p)
      partitions.push({partition: p, logStart: info.logStartOffset, end: info.endOffset, sizeBytes: info.sizeBytes})
    } catch (error) {
      // The topic was deleted while we looked.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof StromError)) throw error
    }
  }
  let messages = 0
  let end = 0
  let sizeBytes = 0
  for (const p of partitions) {
    messages += p.end - p.logStart
    end += p.end
    sizeBytes += p.sizeBytes
  }
  return {name: topic.name, partitions, messages, end, sizeBytes}
}

function describeGroupSnapshot(log: Log, group: string, positions: (topic: string, partition: number) => {logStart: number; end: number} | undefined): GroupSnapshot {
  return groupSnapshot(describeGroup(log, group, {positions}))
}

/** A group as the dashboard shows it: its description with the lag summed per topic. */
export function groupSnapshot(d: GroupDescription): GroupSnapshot {
  const byTopic = new Map<string, GroupTopicSnapshot>()
  for (const p of d.partitions) {
    let t = byTopic.get(p.topic)
    if (t === undefined) byTopic.set(p.topic, (t = {topic: p.topic, partitions: 0, owned: 0, lag: 0}))
    t.partitions++
    if (p.owner !== null) t.owned++
    t.lag += p.lag ?? 0
  }
  return {
    group: d.group,
    state: d.state,
    members: d.members.map((m) => ({id: m.id, host: m.host, pid: m.pid, assignment: m.assignment})),
    totalLag: d.totalLag,
    topics: [...byTopic.values()],
    partitions: d.partitions.map((p) => ({topic: p.topic, partition: p.partition, committed: p.committed, end: p.end, lag: p.lag, owner: p.owner})),
  }
}
