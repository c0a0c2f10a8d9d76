/**
 * The log directory behind the Backend interface: a thin adapter over src/core, which stays the
 * engine (and a library of its own). Everything here is synchronous underneath; the promises only
 * match the interface that a network backend needs.
 */
import fs from 'node:fs'
import {describeConfig} from '../../core/config.js'
import {LogReader, PartitionAssignment} from '../../core/consumer.js'
import {StromError} from '../../core/errors.js'
import {describeGroup, deleteGroup, listGroups} from '../../core/groups/group-admin.js'
import {commitOffsets} from '../../core/groups/commits.js'
import {GroupConsumer} from '../../core/groups/group-consumer.js'
import {GroupStore} from '../../core/groups/group-store.js'
import {executeReset, planReset, undoLastReset} from '../../core/groups/offsets-reset.js'
import type {Log, Topic} from '../../core/log.js'
import {deleteRecords} from '../../core/maintenance/delete-records.js'
import {partitionRefs} from '../../core/maintenance/partition-ref.js'
import {previewRetention} from '../../core/maintenance/retention.js'
import {readMaintenanceRecord} from '../../core/maintenance/maintain.js'
import {MergedLogReader} from '../../core/merged-reader.js'
import {SnapshotSource} from '../../core/stats/snapshot.js'
import type {
  DeleteRecordsOutcome,
  Backend, CommittedOffset, CreateTopicOptions, GroupReadOptions, ReadOptions, ReadSelection, RecordSource, RecordVisitor, SinkOptions, TopicDescription, TopicSummary,
} from '../backend.js'
import {FileSink} from './file-sink.js'

export class FileBackend implements Backend {
  readonly kind = 'dir' as const
  readonly label: string

  constructor(readonly log: Log) {
    this.label = `dir:${log.dir}`
  }

  async listTopics(): Promise<TopicSummary[]> {
    return this.log.listTopics().map((name) => {
      const topic = this.log.topic(name)
      let messages = 0
      let sizeBytes = 0
      for (let p = 0; p < topic.partitions; p++) {
        const info = topic.describePartition(p)
        messages += info.endOffset - info.logStartOffset
        sizeBytes += info.sizeBytes
      }
      return {topic: name, partitions: topic.partitions, messages, sizeBytes}
    })
  }

  async topicExists(name: string): Promise<boolean> {
    return this.log.topics.exists(name)
  }

  async topicPartitions(name: string): Promise<number> {
    return this.log.topics.read(name).partitions
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    const topic = this.log.topic(name)
    const partitions = [...Array(topic.partitions).keys()].map((p) => topic.describePartition(p))
    // Retention holds: what the groups in retention.hold.groups keep that retention would delete.
    const holds = topic.config.retentionHoldGroups === '' ? [] : partitionRefs(topic).map((ref) => {
      const plan = previewRetention(ref)
      return {partition: ref.partition, groups: plan.holds.groups, heldSegments: plan.held.length, heldBytes: plan.held.reduce((n, s) => n + s.sizeBytes, 0)}
    })
    const maintenance = partitionRefs(topic).flatMap((ref) => {
      const record = readMaintenanceRecord(ref.partitionDir)
      return record === undefined ? [] : [{partition: ref.partition, ...record}]
    })
    return {topic: topic.name, partitions, config: describeConfig(topic.meta.config), replicationFactor: 1, holds, maintenance}
  }

  async createTopic(name: string, options: CreateTopicOptions): Promise<{partitions: number; config: Record<string, string>}> {
    if (options.replicationFactor !== undefined && options.replicationFactor !== 1) {
      throw new StromError('INVALID_ARGUMENT', `a log directory keeps one copy of each partition; --replication-factor ${options.replicationFactor} applies only to a Kafka cluster`, {
        hint: 'drop --replication-factor, or add --bootstrap-server HOST:PORT',
      })
    }
    const topic = this.log.createTopic(name, {partitions: options.partitions, config: options.config})
    return {partitions: topic.partitions, config: topic.meta.config}
  }

  async alterTopic(name: string, change: {partitions?: number; config: Record<string, string>}): Promise<{partitions: number; config: Record<string, string>}> {
    const meta = this.log.topics.alter(name, change)
    return {partitions: meta.partitions, config: meta.config}
  }

  async deleteTopic(name: string): Promise<void> {
    this.log.topics.delete(this.log.topics.read(name).name)
  }

  async openSink(name: string, options: SinkOptions): Promise<FileSink> {
    const topic = options.createPartitions !== undefined ? this.log.openOrCreateTopic(name, {partitions: options.createPartitions}) : this.log.topic(name)
    return new FileSink(topic, options)
  }

  async openReader(selection: ReadSelection[], options: ReadOptions): Promise<RecordSource> {
    const assignments = this.assignments(selection)
    const plan = {range: options.range, follow: options.follow, checkCrcs: options.checkCrcs, onCorrupt: options.onCorrupt, isolation: options.isolation}
    if (options.merge === 'time') {
      const reader = new MergedLogReader(assignments, plan)
      const starts = reader.positions()
      return {
        run: (visit, afterChunk) => reader.run((topic, partition, record) => visit(topic.name, partition, record), afterChunk),
        stop: () => reader.stop(),
        remaining: () => undefined,
        starts: () => starts,
      }
    }
    const reader = new LogReader(assignments, plan)
    const starts = reader.positions()
    return {
      run: (visit: RecordVisitor, afterChunk) => reader.run((topic, partition, record) => visit(topic.name, partition, record), afterChunk),
      stop: () => reader.stop(),
      remaining: () => (options.follow ? undefined : reader.positions().reduce((sum, p) => sum + Math.max(0, (p.end ?? p.position) - p.position), 0)),
      starts: () => starts,
    }
  }

  async openGroupReader(group: string, options: GroupReadOptions): Promise<RecordSource> {
    for (const name of options.topics) this.log.topic(name)
    const consumer = new GroupConsumer(this.log, group, options)
    return {
      run: (visit, afterChunk) => consumer.run((topic, partition, record) => visit(topic.name, partition, record), async () => afterChunk()),
      stop: () => consumer.stop(),
      rewind: (topic, partition, offset) => consumer.rewind(topic, partition, offset),
      remaining: () => undefined,
    }
  }

  async listGroups() {
    return listGroups(this.log)
  }

  async describeGroup(group: string) {
    return describeGroup(this.log, group)
  }

  async deleteGroup(group: string): Promise<void> {
    deleteGroup(this.log, group)
  }

  async committedOffsets(group: string): Promise<CommittedOffset[]> {
    const store = new GroupStore(this.log.dir, group)
    if (!store.exists()) return []
    const offsets = store.readOffsets()
    return Object.entries(offsets).flatMap(([topic, byPartition]) =>
      Object.entries(byPartition).map(([partition, entry]) => ({topic, partition: Number(partition), offset: entry.offset})))
  }

  async commitOffsets(group: string, offsets: CommittedOffset[]): Promise<void> {
    new GroupStore(this.log.dir, group).ensure()
    commitOffsets(this.log.dir, group, offsets.map((o) => ({...o, metadata: ''})))
  }

  async planOffsetsReset(...args: Parameters<Backend['planOffsetsReset']>) {
    const [group, spec, scope, onProgress] = args
    new GroupStore(this.log.dir, group).requireExists()
    return planReset(this.log, group, spec, scope, onProgress)
  }

  async executeOffsetsReset(...args: Parameters<Backend['executeOffsetsReset']>) {
    const [group, plan, description] = args
    return executeReset(this.log, group, plan, description)
  }

  async undoOffsetsReset(group: string) {
    return undoLastReset(this.log, group)
  }

  async identity(): Promise<string> {
    return `dir:${fs.realpathSync(this.log.dir)}`
  }

  async statsSource() {
    return new SnapshotSource(this.log)
  }

  async deleteRecords(topic: string, partition: number, before: number | 'end', options: {ignoreHolds?: boolean}): Promise<DeleteRecordsOutcome> {
    const found = this.log.topic(topic)
    found.checkPartition(partition)
    const [ref] = partitionRefs(found, [partition])
    const result = deleteRecords(ref, before, {ignoreHolds: options.ignoreHolds})
    const deleted = result.retention.deletions
    return {topic, partition, previousLogStartOffset: result.previousLogStartOffset, logStartOffset: result.logStartOffset, deletedSegments: deleted.length, deletedBytes: deleted.reduce((sum, s) => sum + s.sizeBytes, 0)}
  }

  async close(): Promise<void> {}

  private assignments(selection: ReadSelection[]): PartitionAssignment[] {
    const assignments: PartitionAssignment[] = []
    for (const {topic: name, partitions} of selection) {
      const topic: Topic = this.log.topic(name)
      for (const partition of partitions ?? [...Array(topic.partitions).keys()]) {
        topic.checkPartition(partition)
        assignments.push({topic, partition})
      }
    }
    return assignments
  }
}
