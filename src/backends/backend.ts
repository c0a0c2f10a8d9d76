/**
 * The boundary between strom's commands and where the data lives. Commands talk to a Backend;
 * two implement it: the log directory (src/core, `file/`) and an Apache Kafka cluster (`kafka/`).
 * Commands choose one (select.ts) and never branch on which it is: what differs between the two
 * is said here, as capabilities, or thrown as a StromError by the backend that cannot do a thing.
 */
import type {RecordView} from '../core/format/record-view.js'
import type {Header} from '../core/format/record-batch.js'
import type {CodecName} from '../core/format/compression.js'
import type {DelimitedOptions, DeliveryReport} from '../core/producer.js'
import type {GroupDescription, GroupStateName} from '../core/groups/group-admin.js'
import type {PlannedReset, ResetScope, ResetSpec} from '../core/groups/offsets-reset.js'
import type {Strategy} from '../core/groups/assignors.js'
import type {CommitMode, ResetPolicy} from '../core/groups/group-consumer.js'
import type {IsolationLevel} from '../core/txn/isolation.js'
import type {RangeSpec} from '../core/offset-spec.js'
import type {SkippedCorruption} from '../core/partition/partition-reader.js'
import type {StatsSource} from '../core/stats/snapshot.js'
import type {PartitionerName} from '../core/topic/partitioner.js'

export type BackendKind = 'dir' | 'kafka'

export interface TopicSummary {
  topic: string
  partitions: number
  messages: number
  /** null where the backend cannot tell cheaply (Kafka without DescribeLogDirs). */
  sizeBytes: number | null
}

export interface PartitionDescription {
  partition: number
  logStartOffset: number
  endOffset: number
  sizeBytes: number | null
  segments: number | null
  leader?: number
  replicas?: number[]
  isr?: number[]
}

import type {MaintenanceRecord} from '../core/maintenance/maintain.js'

export interface ConfigEntry {
  name: string
  value: string
  source: string
}

export interface TopicDescription {
  topic: string
  partitions: PartitionDescription[]
  config: ConfigEntry[]
  replicationFactor: number
  /** Retention holds (a strom-only topic config); empty elsewhere. */
  holds: Array<{partition: number; groups: Array<{group: string; committed: number | null}>; heldSegments: number; heldBytes: number}>
  /** When retention/compaction last ran on each partition and what it did (log directories only). */
  maintenance?: Array<{partition: number} & MaintenanceRecord>
}

export interface CreateTopicOptions {
  partitions: number
  replicationFactor?: number
  config: Record<string, string>
}

export interface SinkOptions {
  partitioner: PartitionerName
  sync: boolean
  batchBytes: number
  /** Create the topic with this many partitions when it does not exist. */
  createPartitions?: number
  /**
   * One send at a time, each acknowledged before the next leaves: what an exact resume needs
   * (mirror counts what reached the destination), at some cost in throughput on a network.
   */
  ordered?: boolean
  /**
   * Kafka's acks: -1 (all in-sync replicas, the default), 1 (the leader) or 0 (no answer). A log
   * directory has one copy: every append is acknowledged once written to the OS (--sync: on disk).
   */
  acks?: -1 | 0 | 1
  /**
   * Codec of the batches sent. Absent: a log directory uses the topic's compression.type; Kafka
   * is sent uncompressed batches (the broker applies the topic's compression.type itself).
   */
  compression?: CodecName
}

export interface SinkStats {
  messages: number
  bytes: number
  batches: number
}

/** Where produced records go. Sends are buffered; flush() hands them over and waits for the acks. */
export interface RecordSink {
  readonly topicName: string
  readonly partitions: number
  readonly stats: SinkStats
  /** Checks that a partition number exists (before anything is sent). */
  checkPartition(partition: number): void
  /** The value is buf[start, end); the sink copies it if it must keep it past this call. */
  sendSlice(key: Buffer | null, buf: Buffer, start: number, end: number, timestamp: number, headers?: Header[], partition?: number): void
  sendBytes(key: Buffer | null, value: Buffer | null, timestamp: number, headers?: Header[], partition?: number): void
  flush(): void | Promise<void>
  /** When too much is unacknowledged: a promise to wait on before sending more (network sinks). */
  drain?(): Promise<void> | undefined
  /**
   * Says that `source` (a stdin chunk) stays unchanged until the next call, so slices of it may be
   * kept without a copy until then (the log directory's batches use it); undefined withdraws it.
   */
  useImmutableSource?(source: Buffer | undefined): void
  /**
   * Sends every message of buf[start, end), each followed by a one-byte delimiter, as a record
   * (what Producer.sendDelimited does); a sink without it is sent one message at a time.
   * stats.messages counts the messages taken, also when one of them fails.
   */
  sendDelimited?(buf: Buffer, start: number, end: number, options: DelimitedOptions, timestamp: number): void
  /** Memory for stdin to be read into, shared with the sink's batches (see ByteArena). */
  inputBuffer?(bytes: number): Buffer | undefined
  /** The largest message the topic takes, when the sink knows it (input longer is refused early). */
  readonly maxMessageBytes?: number
  /** What became of each message sent so far (a sink that appends synchronously knows exactly). */
  delivery?(): DeliveryReport
  /** Drops the messages not yet written (they count as not written); close() then appends nothing more. */
  discardPending?(): void
  close(): Promise<void>
}

/** Called for each record; return false to stop reading. */
export type RecordVisitor = (topic: string, partition: number, record: RecordView) => boolean | void

export interface RecordSource {
  /**
   * Visits records until the end (or forever when following), the visitor returns false, or
   * stop() is called. `afterChunk` runs between chunks: the place to flush output and wait for it.
   */
  run(visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<void>
  stop(): void
  /** A group reader: records from `offset` on were not written out, so commit no further (see GroupConsumer.rewind). */
  rewind?(topic: string, partition: number, offset: number): void
  /** Records left to read in a bounded read, for a progress bar; undefined when unknown. */
  remaining(): number | undefined
  /**
   * Where each partition's read starts (and, in a bounded read, ends: exclusive), as resolved when
   * the reader was opened: `consume -v` reports them. Group readers have none (the group decides).
   */
  starts?(): ReadStart[]
}

export interface ReadStart {
  topic: string
  partition: number
  position: number
  /** Undefined when following. */
  end: number | undefined
}

export interface ReadSelection {
  topic: string
  /** Every partition when absent. */
  partitions?: number[]
}

export interface ReadOptions {
  range: RangeSpec
  follow: boolean
  merge?: 'time'
  checkCrcs: boolean
  onCorrupt?: (skipped: SkippedCorruption) => void
  /** Kafka's isolation.level; read_uncommitted when absent. */
  isolation?: IsolationLevel
}

export interface GroupReadOptions {
  topics: string[]
  pattern?: RegExp
  strategy?: Strategy
  follow: boolean
  reset: ResetPolicy
  commit: CommitMode
  checkCrcs: boolean
  onCorrupt?: (skipped: SkippedCorruption) => void
  /** Kafka's isolation.level; read_uncommitted when absent. */
  isolation?: IsolationLevel
  onWarning: (message: string) => void
  onAssignment?: (event: {assigned: string[]; revoked: string[]; generation: number}) => void
}

export interface GroupSummary {
  group: string
  state: GroupStateName | string
  members: number
  protocol: string | null
}

/** What a delete-records did; the segment figures only where the backend is a log directory. */
export interface DeleteRecordsOutcome {
  topic: string
  partition: number
  previousLogStartOffset: number
  logStartOffset: number
  deletedSegments: number | null
  deletedBytes: number | null
}

/** A partition's committed offset as `mirror --groups` copies it. */
export interface CommittedOffset {
  topic: string
  partition: number
  offset: number
}

export interface Backend {
  readonly kind: BackendKind
  /** `dir:PATH` or `kafka://host:port,...`: what error messages and mirror print. */
  readonly label: string

  listTopics(): Promise<TopicSummary[]>
  topicExists(name: string): Promise<boolean>
  /** Partition count; a clear NOT_FOUND error when the topic does not exist. */
  topicPartitions(name: string): Promise<number>
  describeTopic(name: string): Promise<TopicDescription>
  createTopic(name: string, options: CreateTopicOptions): Promise<{partitions: number; config: Record<string, string>}>
  alterTopic(name: string, change: {partitions?: number; config: Record<string, string>}): Promise<{partitions: number; config: Record<string, string>}>
  deleteTopic(name: string): Promise<void>

  openSink(topic: string, options: SinkOptions): Promise<RecordSink>
  openReader(selection: ReadSelection[], options: ReadOptions): Promise<RecordSource>
  openGroupReader(group: string, options: GroupReadOptions): Promise<RecordSource>

  listGroups(): Promise<GroupSummary[]>
  describeGroup(group: string): Promise<GroupDescription>
  deleteGroup(group: string): Promise<void>
  committedOffsets(group: string): Promise<CommittedOffset[]>
  /**
   * Moves a partition's log start forward to `before` ('end': the end offset): Kafka's
   * delete-records. `ignoreHolds` applies to a log directory's retention holds only.
   */
  deleteRecords(topic: string, partition: number, before: number | 'end', options: {ignoreHolds?: boolean}): Promise<DeleteRecordsOutcome>
  /** Sets a group's offsets (the group must have no live members). */
  commitOffsets(group: string, offsets: CommittedOffset[]): Promise<void>
  planOffsetsReset(group: string, spec: ResetSpec, scope: ResetScope, onProgress?: (done: number, total: number) => void): Promise<PlannedReset[]>
  /** Applies a plan; returns where the undo journal went, if the backend keeps one. */
  executeOffsetsReset(group: string, plan: PlannedReset[], description: string): Promise<string | undefined>
  undoOffsetsReset(group: string): Promise<{restored: Array<{topic: string; partition: number; offset: number | null}>; description: string}>

  /**
   * What the data is, whatever it was called: a directory's real path, a cluster's id. Two
   * backends with one identity are the same data (mirror refuses to copy it into itself).
   */
  identity(): Promise<string>
  /** What `strom top` polls. */
  statsSource(): Promise<StatsSource>
  close(): Promise<void>
}

export type {DeliveryReport}
export type {GroupDescription, PlannedReset, ResetScope, ResetSpec}
