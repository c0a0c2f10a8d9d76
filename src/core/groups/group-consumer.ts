/**
 * Reading as a member of a consumer group: the partitions this member owns change as members come
 * and go. Each loop turn: follow the group state (hand over revoked partitions after committing
 * them, claim new ones and start them at the committed offset), reap dead members, read one chunk
 * per owned partition, then flush output and commit.
 *
 * Commits happen only after the output of what they cover was flushed (at-least-once, never a gap):
 *   auto  after a flush, at most every `autoCommitIntervalMs`, and always on handover and leave
 *   sync  after every message
 *   none  never (the group still splits partitions)
 */
import {BATCH, LOG_OVERHEAD, RecordCursor, readInt64} from '../format/record-batch.js'
import type {Log, Topic} from '../log.js'
import {ChangeWaiter} from '../partition/follow.js'
import type {PartitionCursor, SkippedCorruption} from '../partition/partition-reader.js'
import {CommittedGate} from '../txn/committed-gate.js'
import {IsolationLevel, TransactionsView} from '../txn/isolation.js'
import {parseTpKey} from './assignors.js'
import {GroupMember, MemberOptions} from './group-member.js'
import type {OffsetCommit} from './group-store.js'

export type CommitMode = 'auto' | 'sync' | 'none'
export type ResetPolicy = 'earliest' | 'latest'

export interface GroupReadOptions extends MemberOptions {
  follow: boolean
  reset: ResetPolicy
  commit: CommitMode
  checkCrcs?: boolean
  /** Step over damaged batches, reporting each here (consume --skip-corrupt). */
  onCorrupt?: (skipped: SkippedCorruption) => void
  autoCommitIntervalMs?: number
  /** read_committed: only committed transactional data, up to the last stable offset (Kafka's isolation.level). */
  isolation?: IsolationLevel
  onWarning?: (message: string) => void
  onAssignment?: (event: {assigned: string[]; revoked: string[]; generation: number}) => void
}

interface OwnedPartition {
  key: string
  topic: Topic
  partition: number
  cursor: PartitionCursor
  position: number
  committed: number
  /** For a bounded read: the end offset captured when the partition was claimed. */
  end: number | undefined
  /** Commit no further than this (records from here on were read but not all written out). */
  ceiling?: number
  /** read_committed (see CommittedGate). */
  gate: CommittedGate | undefined
}

export type GroupRecordVisitor = (topic: Topic, partition: number, record: RecordCursor) => boolean | void

export class GroupConsumer {
  readonly member: GroupMember
  private readonly owned = new Map<string, OwnedPartition>()
  private readonly topics = new Map<string, Topic>()
  private readonly waiter = new ChangeWaiter([], 100)
  private stopped = false
  private readonly record = new RecordCursor()
  private lastCommitMs = 0
  private lastReapMs = 0
  private lastRefreshMs = 0

  constructor(private readonly log: Log, group: string, private readonly options: GroupReadOptions) {
    this.member = new GroupMember(log, group, options)
  }

  stop(): void {
    this.stopped = true
    this.waiter.signal()
  }

  /**
   * Records from `offset` on in this partition were read but not written out (the output was cut
   * short at a stop): commits go no further than it, so they are read again next time.
   */
  rewind(topic: string, partition: number, offset: number): void {
    for (const owned of this.owned.values()) {
      if (owned.topic.name === topic && owned.partition === partition) owned.ceiling = Math.min(owned.ceiling ?? offset, offset)
    }
  }

  /** Partitions owned right now with their positions (for tests and progress). */
  positions(): Array<{topic: string; partition: number; position: number}> {
    return [...this.owned.values()].map((o) => ({topic: o.topic.name, partition: o.partition, position: o.position}))
  }

  async run(visit: GroupRecordVisitor, flush: () => Promise<void>): Promise<void> {
    this.member.join()
    this.waiter.watch(this.member.store.groupDir)
    // Heartbeats on a timer, so a member waiting on a slow stdout still counts as alive.
    const heartbeat = setInterval(() => this.member.heartbeat(), 1000)
    heartbeat.unref()
    try {
      while (!this.stopped) {
        await this.followGroup(flush)
        if (this.stopped) break
        let progressed = false
        for (const owned of [...this.owned.values()]) {
          if (this.stopped) break
          if (owned.end !== undefined && owned.position >= owned.end) continue
          if (!this.member.stillOwns(owned.key)) {
            this.drop(owned)
            continue
          }
          const chunk = owned.cursor.read()
          if (chunk === undefined) continue
          const outcome = await this.emitChunk(owned, chunk.buffer, chunk.start, chunk.end, visit, flush)
          // A batch held back until its transaction is decided is no progress: wait for a change.
          if (outcome !== 'held') progressed = true
          if (outcome === 'stop') {
            this.stopped = true
            break
          }
          if (outcome === 'lost') {
            this.drop(owned)
            continue
          }
          owned.position = Math.max(owned.position, owned.end === undefined ? owned.cursor.nextOffset : Math.min(owned.cursor.nextOffset, owned.end))
        }
        await flush()
        if (this.options.commit === 'auto' && Date.now() - this.lastCommitMs >= (this.options.autoCommitIntervalMs ?? 250)) this.commitPositions()
        if (!progressed) {
          if (!this.options.follow && this.finishedBoundedRead()) break
          await this.waiter.wait()
        }
      }
    } finally {
      clearInterval(heartbeat)
      await flush().catch(() => undefined)
      const commits = this.options.commit === 'none' ? [] : this.pendingCommits(true)
      for (const owned of this.owned.values()) owned.cursor.close()
      this.member.leave(commits)
      this.waiter.close()
    }
  }

  /**
   * 'lost': the partition is no longer ours (this member was reaped while paused, or it moved): stop
   * at this batch and drop it without committing; its new owner resumes from the committed offset.
   */
  private async emitChunk(owned: OwnedPartition, buffer: Buffer, start: number, end: number, visit: GroupRecordVisitor, flush: () => Promise<void>): Promise<'ok' | 'stop' | 'lost' | 'held'> {
    const record = this.record
    let at = start
    while (at < end) {
      // Per batch (one stat), the first included: a process stopped for longer than the session
      // timeout, mid-chunk or between the ownership check before the read and the read's end, must
      // not print what it read once another member has taken the partition.
      if (!this.member.stillOwns(owned.key)) return 'lost'
      const verdict = owned.gate?.check(buffer, at, owned.position)
      if (verdict === 'wait') {
        // Not stable yet: read again from this batch once its transaction is decided.
        owned.cursor.seek(readInt64(buffer, at + BATCH.baseOffset))
        return 'held'
      }
      if (verdict === 'skip') {
        at += buffer.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD
        continue
      }
      record.reset(buffer, at)
      at += buffer.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD
      while (record.next()) {
        const offset = record.offset
        if (offset < owned.position) continue
        if (owned.end !== undefined && offset >= owned.end) return 'ok'
        if (this.options.commit === 'sync' && !this.member.stillOwns(owned.key)) return 'lost'
        owned.position = offset + 1
        if (visit(owned.topic, owned.partition, record) === false) return 'stop'
        if (this.options.commit === 'sync') {
          await flush()
          this.commitPositions()
        }
      }
    }
    return 'ok'
  }

  /** Forgets a partition this member no longer owns, without committing (the commit would be fenced anyway). */
  private drop(owned: OwnedPartition): void {
    owned.cursor.close()
    this.owned.delete(owned.key)
  }

  /** A bounded member is done when every target partition is owned by it and read to its end. */
  private finishedBoundedRead(): boolean {
    const plan = this.member.plan(this.owned.keys())
    if (plan.rejoined) this.dropAllAfterRejoin()
    if (plan.rejoined || plan.toClaim.length > 0 || plan.revoke.length > 0) return false
    for (const owned of this.owned.values()) if (owned.end === undefined || owned.position < owned.end) return false
    return true
  }

  private async followGroup(flush: () => Promise<void>): Promise<void> {
    const now = Date.now()
    if (now - this.lastReapMs >= 500) {
      this.lastReapMs = now
      this.member.reapOthers()
    }
    if (now - this.lastRefreshMs >= 1000) {
      this.lastRefreshMs = now
      this.member.refreshSubscriptions()
    }
    const plan = this.member.plan(this.owned.keys())
    if (plan.rejoined) {
      this.dropAllAfterRejoin()
      plan.revoke = []
    }
    if (plan.revoke.length > 0) {
      // Stop reading, make sure what was printed is out, commit, and only then let go.
      await flush()
      const commits = this.options.commit === 'none' ? [] : this.pendingCommits(true, plan.revoke)
      const rejected = this.member.release(plan.revoke, commits)
      for (const commit of rejected) this.warn(`commit of ${commit.topic}/${commit.partition} at ${commit.offset} was rejected: the partition had already moved to another member`)
      for (const key of plan.revoke) {
        this.owned.get(key)?.cursor.close()
        this.owned.delete(key)
      }
    }
    if (plan.toClaim.length > 0) {
      const claimed = this.member.claim(plan.toClaim)
      for (const key of claimed) this.startPartition(key)
    }
    if (plan.revoke.length > 0 || plan.toClaim.length > 0) {
      this.options.onAssignment?.({assigned: [...this.owned.keys()], revoked: plan.revoke, generation: plan.generation})
    }
  }

  /**
   * This member had been declared dead (no heartbeat for the session timeout: stopped or stalled)
   * and joined again under a new id: every partition it held may have been read by others since, so
   * all are dropped, nothing is committed, and the ones assigned again start from the committed offsets.
   */
  private dropAllAfterRejoin(): void {
    const held = [...this.owned.keys()]
    for (const owned of [...this.owned.values()]) this.drop(owned)
    this.warn(`this member was declared dead (no heartbeat for ${this.member.store.sessionTimeoutMs / 1000} s: stopped or stalled) and joined again as ${this.member.id}; ${held.length === 0 ? 'it held no partitions' : `${held.join(', ')} resume from their committed offsets`}`)
  }

  private startPartition(key: string): void {
    const {topic: topicName, partition} = parseTpKey(key)
    let topic = this.topics.get(topicName)
    if (topic === undefined || topic.partitions <= partition) {
      topic = this.log.topic(topicName)
      this.topics.set(topicName, topic)
    }
    const reader = topic.reader(partition)
    const logStart = reader.logStartOffset()
    const endOffset = reader.endOffset()
    // read_committed: 'latest' and a bounded read's end are the last stable offset, as Kafka's ListOffsets answers them.
    const committedOnly = this.options.isolation === 'read_committed'
    const latest = committedOnly ? new TransactionsView(this.log.dir).lastStableOffset(topicName, partition, endOffset) : endOffset
    const committed = this.member.store.committed(topicName, partition)?.offset
    let position: number
    if (committed === undefined) {
      position = this.options.reset === 'earliest' ? logStart : latest
    } else if (committed < logStart || committed > endOffset) {
      position = this.options.reset === 'earliest' ? logStart : latest
      this.warn(`committed offset ${committed} of ${topicName}/${partition} is outside the log [${logStart}, ${endOffset}]: reset to ${this.options.reset} (${position})`)
    } else {
      position = committed
    }
    const gate = committedOnly ? new CommittedGate(topic, partition) : undefined
    gate?.refresh(position)
    this.waiter.watch(topic.partitionDir(partition))
    this.owned.set(key, {
      key,
      topic,
      partition,
      cursor: reader.openCursor(position, {checkCrcs: this.options.checkCrcs, skipCorrupt: this.options.onCorrupt}),
      position,
      committed: committed ?? -1,
      end: this.options.follow ? undefined : Math.max(latest, position),
      gate,
    })
  }

  private pendingCommits(all: boolean, only?: string[]): OffsetCommit[] {
    const commits: OffsetCommit[] = []
    for (const owned of this.owned.values()) {
      if (only !== undefined && !only.includes(owned.key)) continue
      const offset = Math.min(owned.position, owned.ceiling ?? owned.position)
      if (offset === owned.committed && !all) continue
      if (offset === owned.committed) continue
      commits.push({topic: owned.topic.name, partition: owned.partition, offset})
    }
    return commits
  }

  private commitPositions(): void {
    this.lastCommitMs = Date.now()
    const commits = this.pendingCommits(false)
    if (commits.length === 0) return
    const rejected = this.member.commit(commits)
    for (const commit of commits) {
      if (rejected.includes(commit)) continue
      const owned = this.owned.get(`${commit.topic}:${commit.partition}`)
      if (owned !== undefined) owned.committed = commit.offset
    }
    for (const commit of rejected) this.warn(`commit of ${commit.topic}/${commit.partition} at ${commit.offset} was rejected: the partition moved to another member`)
  }

  private warn(message: string): void {
    this.options.onWarning?.(message)
  }
}
