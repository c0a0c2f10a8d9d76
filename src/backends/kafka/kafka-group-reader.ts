/**
 * `consume --group` on Kafka: a member of the group (src/client/group-member.ts) that reads its
 * assignment with the group-less reader's fetch loop (kafka-reader.ts), one generation at a time:
 *
 *   join → start positions (the group's commits; the reset policy where there is none, committed
 *   at once) → read until the group rebalances, the read ends or it is stopped → commit → join again.
 *
 * Offsets are committed only after the records' output was flushed (auto: at most every 250 ms,
 * before every rejoin and on leaving; sync: after every record; none: never), so a crash replays
 * rather than loses. A bounded read (no --follow) ends once every assigned partition reached the
 * end offset it had when it was assigned. Failovers (a dead coordinator or leader) are retried.
 */
import {KafkaAdmin, EARLIEST, LATEST} from '../../client/admin.js'
import {parseTpKey} from '../../core/groups/assignors.js'
import type {KafkaCluster} from '../../client/cluster.js'
import {GroupMember} from '../../client/group-member.js'
import {isRetriable, needsRejoin, retrying} from '../../client/kafka-error.js'
import type {GroupReadOptions, RecordSource, RecordVisitor} from '../backend.js'
import {KafkaReader, ResolvedPartition} from './kafka-reader.js'

const AUTO_COMMIT_MS = 250
/** How long joining, setting up and the last commit are retried through a failover. */
const FAILOVER_RETRY_MS = 120_000
/** A JoinGroup is answered once every member has rejoined, which may take up to this long. */
const REBALANCE_TIMEOUT_MS = 30_000
const SESSION_TIMEOUT_MS = 10_000
const HEARTBEAT_INTERVAL_MS = 1000

export class KafkaGroupReader implements RecordSource {
  private stopped = false
  private reader: KafkaReader | undefined
  /** "topic:partition" → next offset to read, for assigned partitions. */
  private readonly positions = new Map<string, number>()
  private readonly committed = new Map<string, number>()
  private assigned: string[] = []
  private lastCommitMs = 0
  private generation = 0
  private readonly admin: KafkaAdmin
  private readonly member: GroupMember

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly group: string,
    private readonly topics: string[],
    private readonly options: GroupReadOptions,
    private readonly onWarning: (message: string) => void,
    private readonly translate: (error: unknown) => unknown,
  ) {
    this.admin = new KafkaAdmin(cluster)
    const strategies = options.strategy === undefined ? (['range', 'roundrobin'] as const) : [options.strategy as 'range' | 'roundrobin']
    this.member = new GroupMember(cluster, {
      groupId: group,
      topics,
      strategies: [...strategies],
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    })
  }

  remaining(): number | undefined {
    return undefined
  }

  stop(): void {
    this.stopped = true
    this.reader?.stop()
  }

  async run(visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<void> {
    try {
      while (!this.stopped) {
        const assignment = await retrying(() => this.member.join(), {deadlineMs: FAILOVER_RETRY_MS, stopped: () => this.stopped})
        if (this.stopped) break
        const partitions = await retrying(() => this.setUp(assignment), {
          deadlineMs: FAILOVER_RETRY_MS,
          stopped: () => this.stopped || this.member.rejoinNeeded,
          retriable: (error) => isRetriable(error) && !this.member.rejoinNeeded,
        }).catch((error: unknown) => {
          if (this.member.noteError(error) || this.member.rejoinNeeded) return undefined
          throw error
        })
        if (partitions === undefined) continue
        const reader = (this.reader = new KafkaReader(
          this.cluster,
          partitions,
          {follow: this.options.follow, checkCrcs: this.options.checkCrcs, isolation: this.options.isolation, pause: () => this.member.rejoinNeeded, chunkRecords: this.options.commit === 'sync' ? 1 : undefined},
          (topic, partition) => this.logStart(topic, partition),
          this.onWarning,
          (error) => error,
        ))
        if (this.stopped) reader.stop()
        await reader.run(
          (topic, partition, record) => {
            const keepGoing = visit(topic, partition, record)
            if (keepGoing === false) this.stop()
            return keepGoing
          },
          async () => {
            await afterChunk()
            this.track(reader)
            await this.commit(this.options.commit === 'sync')
          },
        )
        await afterChunk()
        this.track(reader)
        // Before a rejoin, and at the end: what was printed is committed, so the next owner starts after it.
        await this.finalCommit()
        if (!this.options.follow && reader.finished() && !this.member.rejoinNeeded) break
      }
    } catch (error) {
      throw this.translate(error)
    } finally {
      await this.member.leave()
      this.cluster.close()
    }
  }

  /** Where each assigned partition starts, and (bounded reads) ends. */
  private async setUp(assignment: Map<string, number[]>): Promise<ResolvedPartition[]> {
    const keys = [...assignment].flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`))
    const revoked = this.assigned.filter((k) => !keys.includes(k))
    for (const key of revoked) {
      this.positions.delete(key)
      this.committed.delete(key)
    }
    this.assigned = keys
    this.generation++
    this.options.onAssignment?.({assigned: keys, revoked, generation: this.generation})
    const commits = new Map((await this.admin.committedOffsets(this.group)).map((o) => [`${o.topic}:${o.partition}`, o.offset]))
    const starts: Array<{topic: string; partition: number; offset: number}> = []
    const resolved: ResolvedPartition[] = []
    for (const [topic, list] of assignment) {
      if (list.length === 0) continue
      const ends = await this.admin.listOffsets(topic, LATEST, list)
      const lows = await this.admin.listOffsets(topic, EARLIEST, list)
      for (const partition of list) {
        const key = `${topic}:${partition}`
        const end = ends.get(partition)?.offset ?? 0
        const low = Math.min(lows.get(partition)?.offset ?? 0, end)
        let position = commits.get(key) ?? this.positions.get(key)
        if (commits.has(key)) {
          // A partition kept through a rebalance continues where this member is, if it is further.
          position = Math.max(commits.get(key)!, this.positions.get(key) ?? 0)
          this.committed.set(key, commits.get(key)!)
        }
        if (position === undefined) {
          // No commit yet: start where the reset policy says, and commit that start at once, so a
          // member that takes the partition over later resumes there rather than at a newer end
          // (which would skip what arrived in between), as a log directory's group does.
          position = this.options.reset === 'earliest' ? low : end
          starts.push({topic, partition, offset: position})
        }
        this.positions.set(key, position)
        resolved.push({topic, partition, position, end: this.options.follow ? undefined : end})
      }
    }
    if (starts.length > 0 && this.options.commit !== 'none') {
      await this.admin.commitOffsets(this.group, starts, {generationId: this.member.generationId, memberId: this.member.memberId})
      for (const s of starts) this.committed.set(`${s.topic}:${s.partition}`, s.offset)
    }
    return resolved
  }

  private async logStart(topic: string, partition: number): Promise<number> {
    return (await this.admin.listOffsets(topic, EARLIEST, [partition])).get(partition)?.offset ?? 0
  }

  private track(reader: KafkaReader): void {
    for (const [key, position] of reader.positions()) if (this.assigned.includes(key)) this.positions.set(key, position)
  }

  /** The positions that moved since they were last committed. */
  private uncommitted(): Array<{topic: string; partition: number; offset: number}> {
    return [...this.positions].filter(([key, offset]) => this.committed.get(key) !== offset).map(([key, offset]) => ({...parseTpKey(key), offset}))
  }

  /** Commits what moved since the last commit (auto: at most every 250 ms unless `now`). */
  private async commit(now: boolean): Promise<void> {
    if (this.options.commit === 'none') return
    if (!now && Date.now() - this.lastCommitMs < AUTO_COMMIT_MS) return
    const offsets = this.uncommitted()
    this.lastCommitMs = Date.now()
    if (offsets.length === 0) return
    try {
      await this.admin.commitOffsets(this.group, offsets, {generationId: this.member.generationId, memberId: this.member.memberId})
      for (const o of offsets) this.committed.set(`${o.topic}:${o.partition}`, o.offset)
    } catch (error) {
      // A rebalance: the member rejoins, committing first; a failover: the next commit carries these.
      if (this.member.noteError(error) || isRetriable(error)) return
      throw error
    }
  }

  /**
   * The commit before a rejoin or at the end of a read: retried while the coordinator loads or
   * moves; a rebalance that already gave the partitions to another member makes it moot (Kafka
   * refuses it, and the other member starts from the last commit: those records are read twice,
   * never lost).
   */
  private async finalCommit(): Promise<void> {
    if (this.options.commit === 'none') return
    await retrying(async () => {
      const offsets = this.uncommitted()
      if (offsets.length === 0) return
      await this.admin.commitOffsets(this.group, offsets, {generationId: this.member.generationId, memberId: this.member.memberId})
      for (const o of offsets) this.committed.set(`${o.topic}:${o.partition}`, o.offset)
    }, {deadlineMs: FAILOVER_RETRY_MS}).catch((error: unknown) => {
      if (needsRejoin(error)) {
        this.member.noteError(error)
        return
      }
      throw error
    })
  }
}
