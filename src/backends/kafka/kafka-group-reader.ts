/**
 * `consume --group` on Kafka: a kafkajs consumer in the group, following the Kafka group protocol
 * through the cluster's coordinator. Offsets are committed only after the records' output was
 * flushed (auto: at most every 250 ms and on leaving; sync: after every record; none: never), so
 * a crash replays rather than loses. A bounded read (no --follow) ends once every assigned
 * partition reached the end offset it had when it was assigned.
 */
import type {Admin, Consumer, EachBatchPayload} from 'kafkajs'
import type {GroupReadOptions, RecordSource, RecordVisitor} from '../backend.js'
import type {InternalMessage} from './client.js'
import {recordFromKafka} from './kafka-record.js'
import {isRetriableSendError} from './kafka-sink.js'

const AUTO_COMMIT_MS = 250
/** Leaving the group waits for kafkajs to finish its fetch loop; never longer than this. */
const DISCONNECT_MS = 5000
/** How long the last commit of a read is retried through rebalances and coordinator moves. */
const FINAL_COMMIT_MS = 30_000
/** How long a batch waits for its assignment's setup (see assignmentSettled). */
const ASSIGNMENT_WAIT_MS = 5000
/** How long an assignment's setup is retried through a failover before the read gives up. */
const ASSIGNMENT_RETRY_MS = 120_000

/** What kafkajs answers itself by rejoining the group: handed back to it, never fatal. */
const isRebalance = (error: unknown) => {
  const type = (error as {type?: string})?.type
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID'
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer))
}

export class KafkaGroupReader implements RecordSource {
  private stopped = false
  private finish: (() => void) | undefined
  /** "topic:partition" → next offset to read, for assigned partitions. */
  private readonly positions = new Map<string, number>()
  /** "topic:partition" → end offset captured at assignment (bounded reads). */
  private readonly ends = new Map<string, number>()
  private readonly uncommitted = new Map<string, number>()
  private assigned: string[] = []
  private lastCommitMs = 0
  private generation = 0
  /** The setup of the latest assignment (start positions, their commits); see GROUP_JOIN. */
  private assignmentReady: Promise<void> = Promise.resolve()

  constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
    private readonly group: string,
    private readonly options: GroupReadOptions,
    private readonly translate: (error: unknown) => unknown,
  ) {}

  remaining(): number | undefined {
    return undefined
  }

  stop(): void {
    this.stopped = true
    this.finish?.()
  }

  async run(visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve))
    let failure: unknown
    const fail = (error: unknown) => {
      failure ??= this.translate(error)
      this.stop()
    }
    try {
      await this.consumer.connect()
      this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
        // Batches wait for this: the start commit of a new partition must land before (never after)
        // the commits of what is read from it, or it would move the group back to the start.
        this.assignmentReady = this.setUpAssignment(event.payload.memberAssignment as Record<string, number[]>).catch((error: unknown) => {
          if (!isRebalance(error)) fail(error)
        })
      })
      // A rebalance is starting: commit what was printed, so the next owner does not print it again.
      this.consumer.on(this.consumer.events.REBALANCING, () => {
        this.commit(true).catch(() => undefined)
      })
      // kafkajs restarts a consumer after a retriable crash (a JoinGroup that timed out while the
      // other members rejoin, a lost connection): only a crash it gives up on ends the read.
      this.consumer.on(this.consumer.events.CRASH, (event) => {
        if ((event.payload as {restart?: boolean}).restart === false) fail(event.payload.error)
        // Retriable (a broker died, a coordinator moved or is loading): Kafka's clients retry
        // these without a word, and so does strom; STROM_DEBUG_KAFKA shows them.
        else if (process.env.STROM_DEBUG_KAFKA) this.options.onWarning(`group '${this.group}': ${event.payload.error?.message ?? 'the consumer crashed'}; rejoining`)
      })
      const topics: Array<string | RegExp> = [...this.options.topics]
      if (this.options.pattern !== undefined) topics.push(this.options.pattern)
      await this.consumer.subscribe({topics, fromBeginning: this.options.reset === 'earliest'})
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) =>
          this.onBatch(payload, visit, afterChunk).catch((error: unknown) => {
            // kafkajs rejoins on these (as a Kafka consumer must); anything else ends the read.
            if (isRebalance(error)) throw error
            fail(error)
          }),
      })
      // A bounded read over partitions that are already at their end has nothing to wait for.
      const idleCheck = setInterval(() => {
        if (!this.options.follow && this.boundedReadFinished()) this.stop()
      }, 200)
      try {
        await done
      } finally {
        clearInterval(idleCheck)
      }
      await afterChunk()
      await this.finalCommit()
    } catch (error) {
      failure ??= this.translate(error)
    } finally {
      // Leaving the group hands the partitions over at once (LeaveGroup), as a clean stop should.
      await withTimeout(this.consumer.disconnect().catch(() => undefined), DISCONNECT_MS)
      await withTimeout(this.admin.disconnect().catch(() => undefined), DISCONNECT_MS)
    }
    if (failure !== undefined) throw failure
  }

  /**
   * onAssignment, retried while a broker it asks (the coordinator, a partition leader) is down or
   * moving: a failover must not end the read (Kafka's consumers retry these too).
   */
  private async setUpAssignment(assignment: Record<string, number[]>): Promise<void> {
    const deadline = Date.now() + ASSIGNMENT_RETRY_MS
    for (let generation = this.generation; ; ) {
      try {
        return await this.onAssignment(assignment, generation)
      } catch (error) {
        if (isRebalance(error) || !isRetriableSendError(error) || Date.now() >= deadline || this.stopped) throw error
        await new Promise((resolve) => setTimeout(resolve, 500))
        // A newer assignment arrived meanwhile: it has its own setup.
        if (this.generation !== generation + 1) return
        generation = this.generation - 1
      }
    }
  }

  private async onAssignment(assignment: Record<string, number[]>, previousGeneration = this.generation): Promise<void> {
    const generation = this.generation = previousGeneration + 1
    const keys = Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`))
    const revoked = this.assigned.filter((k) => !keys.includes(k))
    for (const key of revoked) {
      this.positions.delete(key)
      this.uncommitted.delete(key)
    }
    this.assigned = keys
    this.options.onAssignment?.({assigned: keys, revoked, generation})
    // Where each newly assigned partition starts (and, for a bounded read, ends).
    const topics = Object.keys(assignment)
    const committed = topics.length === 0 ? [] : await this.admin.fetchOffsets({groupId: this.group, topics})
    const starts: Array<{topic: string; partition: number; offset: string}> = []
    for (const topic of topics) {
      const offsets = await this.admin.fetchTopicOffsets(topic)
      for (const o of offsets) {
        const key = `${topic}:${o.partition}`
        if (!keys.includes(key)) continue
        this.ends.set(key, Number(o.high))
        const commit = Number(committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === o.partition)?.offset ?? -1)
        if (commit < 0) {
          // No commit yet: start where the reset policy says, and commit that start at once, so a
          // member that takes the partition over later resumes there rather than at a newer end
          // (which would skip what arrived in between), as a log directory's group does.
          const start = this.options.reset === 'earliest' ? Number(o.low) : Number(o.high)
          this.consumer.seek({topic, partition: o.partition, offset: String(start)})
          starts.push({topic, partition: o.partition, offset: String(start)})
          if (!this.positions.has(key)) this.positions.set(key, start)
        } else if (!this.positions.has(key)) {
          this.positions.set(key, commit)
        }
      }
    }
    if (starts.length > 0 && this.options.commit !== 'none') await this.consumer.commitOffsets(starts)
  }

  /**
   * The assignment's setup, waited for at most ASSIGNMENT_WAIT_MS: its admin requests can hang
   * while a broker is dead (a failover), and reading must not hang with them; the start commit it
   * may still make later only matters for partitions nothing was read from yet.
   */
  private async assignmentSettled(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.assignmentReady, new Promise((resolve) => (timer = setTimeout(resolve, ASSIGNMENT_WAIT_MS)))])
    clearTimeout(timer)
  }

  private boundedReadFinished(): boolean {
    if (this.generation === 0) return false
    return this.assigned.every((key) => {
      const end = this.ends.get(key)
      const position = this.positions.get(key)
      return end !== undefined && position !== undefined && position >= end
    })
  }

  private async onBatch(payload: EachBatchPayload, visit: RecordVisitor, afterChunk: () => Promise<void> | void): Promise<void> {
    await this.assignmentSettled()
    const {batch} = payload
    const key = `${batch.topic}:${batch.partition}`
    const end = this.options.follow ? undefined : this.ends.get(key)
    if (this.stopped) return
    for (const message of batch.messages) {
      if (this.stopped || !payload.isRunning() || payload.isStale()) break
      const offset = Number(message.offset)
      // A batch fetched again after a rebalance or a retry can start below what this member already printed.
      const printed = this.positions.get(key)
      if (printed !== undefined && offset < printed) continue
      if (end !== undefined && offset >= end) break
      const keepGoing = visit(batch.topic, batch.partition, recordFromKafka(message as InternalMessage))
      this.positions.set(key, offset + 1)
      this.uncommitted.set(key, offset + 1)
      payload.resolveOffset(message.offset)
      if (this.options.commit === 'sync') {
        await afterChunk()
        await this.commit(true)
      }
      if (keepGoing === false) {
        this.stop()
        break
      }
    }
    await afterChunk()
    if (this.stopped) return
    await this.commit(false).catch((error: unknown) => {
      // A coordinator loading or moving: the offsets stay uncommitted and go with the next commit.
      if (isRebalance(error) || !isRetriableSendError(error)) throw error
    })
    await payload.heartbeat()
    if (!this.options.follow && this.boundedReadFinished()) this.stop()
  }

  private async commit(now: boolean): Promise<void> {
    if (this.options.commit === 'none' || this.uncommitted.size === 0) return
    if (!now && Date.now() - this.lastCommitMs < AUTO_COMMIT_MS) return
    const offsets = [...this.uncommitted].map(([key, offset]) => {
      const at = key.lastIndexOf(':')
      return {topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset: String(offset)}
    })
    this.uncommitted.clear()
    this.lastCommitMs = Date.now()
    try {
      await this.consumer.commitOffsets(offsets)
    } catch (error) {
      // Not committed: keep what was printed for the next commit (unless a newer position took its
      // place meanwhile), or a rebalance or a loading coordinator would drop it for good.
      for (const {topic, partition, offset} of offsets) {
        const key = `${topic}:${partition}`
        if (!this.uncommitted.has(key) && this.assigned.includes(key)) this.uncommitted.set(key, Number(offset))
      }
      throw error
    }
  }

  /**
   * The last commit of a read: retried while the group rebalances or its coordinator loads or
   * moves (what a first use of a new Kafka cluster's __consumer_offsets looks like), as long as
   * this member still owns the partitions; a partition that went to another member is theirs.
   */
  private async finalCommit(): Promise<void> {
    await this.assignmentSettled()
    const deadline = Date.now() + FINAL_COMMIT_MS
    for (;;) {
      try {
        await this.commit(true)
        return
      } catch (error) {
        const retriable = isRebalance(error) || isRetriableSendError(error)
        if (!retriable) throw error
        if (this.uncommitted.size === 0 || Date.now() >= deadline) {
          if (isRebalance(error)) return
          throw error
        }
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
  }
}
