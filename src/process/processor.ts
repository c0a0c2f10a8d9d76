/**
 * `strom process` on a log directory: consume-transform-produce, exactly once.
 *
 * One member of a consumer group (the group splits the input partitions among its members, as for
 * `consume --group`) reads its partitions read_committed, in batches. Each batch:
 *   1. per input partition, the transform turns the batch's records into outputs;
 *   2. one transaction appends all outputs and the group's next offsets for those partitions;
 *   3. the commit checks that this member still owns those partitions (KIP-447's fencing), then
 *      writes the commit point; markers and offsets follow (see core/txn).
 * Anything failing before the commit point (the transform exits non-zero or is killed, this process
 * is killed, the partition moved) aborts the transaction: its outputs never become visible to
 * read_committed readers and its offsets never move, so the batch is read again, by this member
 * or by the partition's next owner, and produces its outputs once.
 *
 * What exactly-once covers: the destination topics and the group's offsets. It does not cover side
 * effects of the transform outside strom (files it writes, requests it sends), which happen again
 * when a batch is retried.
 */
import {StromError} from '../core/errors.js'
import {RecordCursor} from '../core/format/record-batch.js'
import {parseTpKey} from '../core/groups/assignors.js'
import {GroupMember} from '../core/groups/group-member.js'
import type {Log, Topic} from '../core/log.js'
import {LogReader} from '../core/consumer.js'
import {ChangeWaiter} from '../core/partition/follow.js'
import {TransactionsView} from '../core/txn/isolation.js'
import {settleGroupOffsets} from '../core/txn/txn-coordinator.js'
import {TransactionalProducer} from '../core/txn/transactional-producer.js'
import type {Transform} from './transform.js'
import {InputBatch, routeOutput, transformBatch} from './batch.js'

export interface ProcessOptions {
  sources: string[]
  to: string
  group: string
  transform: Transform
  /** Records per transaction at most (a batch closes early after lingerMs). */
  batchRecords?: number
  /** How long a batch may wait for more records before it commits. */
  lingerMs?: number
  /** Where a partition without a committed offset starts. */
  reset?: 'earliest' | 'latest'
  transactionTimeoutMs?: number
  /** fsync outputs and transaction states before a commit counts (as produce --sync). */
  sync?: boolean
  /** Stop once the owned partitions are processed to their end (a batch job rather than a service). */
  exitAtEnd?: boolean
  /** Consecutive failed batches before giving up (a transform that always fails). */
  maxFailures?: number
  onWarning?: (message: string) => void
  /** After each committed transaction. */
  onCommit?: (event: {inputs: number; outputs: number; offsets: Array<{topic: string; partition: number; offset: number}>}) => void
}

export interface ProcessStats {
  inputs: number
  outputs: number
  transactions: number
  aborted: number
}

interface Owned {
  key: string
  topic: Topic
  partition: number
}

export class Processor {
  readonly stats: ProcessStats = {inputs: 0, outputs: 0, transactions: 0, aborted: 0}
  private readonly member: GroupMember
  private producer: TransactionalProducer | undefined
  private readonly owned = new Map<string, Owned>()
  private readonly topics = new Map<string, Topic>()
  private reader: LogReader | undefined
  private stopped = false
  private failures = 0
  private readonly waiter = new ChangeWaiter([], 100)
  private batch: InputBatch
  private lastGroupCheckMs = 0
  private lastReapMs = 0
  /** Rounds without partitions to read (exitAtEnd: a member that gets none stops after a few). */
  private idleRounds = 0
  private destinationPartitions = 1

  constructor(private readonly log: Log, private readonly options: ProcessOptions) {
    this.batch = new InputBatch(options.transform.runLines !== undefined)
    for (const source of options.sources) this.topicNamed(source)
    if (options.sources.includes(options.to)) throw new StromError('INVALID_ARGUMENT', `--to ${options.to} is also an input: the outputs would be read again`, {hint: 'write to another topic'})
    const destination = log.openOrCreateTopic(options.to, {partitions: this.topicNamed(options.sources[0]).partitions})
    this.destinationPartitions = destination.partitions
    this.member = new GroupMember(log, options.group, {topics: options.sources})
  }

  stop(): void {
    this.stopped = true
    this.reader?.stop()
    this.waiter.signal()
  }

  async run(): Promise<void> {
    this.member.join()
    this.waiter.watch(this.member.store.groupDir)
    this.producer = TransactionalProducer.init(this.log, {transactionalId: `strom-process.${this.options.group}.${this.member.id}`, timeoutMs: this.options.transactionTimeoutMs, sync: this.options.sync})
    const heartbeat = setInterval(() => this.member.heartbeat(), 1000)
    heartbeat.unref()
    try {
      while (!this.stopped) {
        await this.followGroup()
        if (this.stopped) break
        if (this.owned.size === 0) {
          if (this.options.exitAtEnd === true && this.idleRounds++ >= 3) break
          await this.waiter.wait()
          continue
        }
        await this.readOwned()
      }
    } finally {
      clearInterval(heartbeat)
      this.waiter.close()
      this.producer?.close({forget: true})
      this.member.leave([])
      await this.options.transform.close?.()
    }
  }

  /** Reads the owned partitions from their committed offsets until the group changes, a batch fails, or stop(). */
  private async readOwned(): Promise<void> {
    const assignments = [...this.owned.values()].map((o) => ({topic: o.topic, partition: o.partition, position: this.startOffset(o)}))
    const reader = new LogReader(assignments, {range: {start: {kind: 'beginning'}}, follow: true, isolation: 'read_committed'})
    this.reader = reader
    if (this.stopped) reader.stop()
    this.batch = new InputBatch(this.options.transform.runLines !== undefined)
    const linger = this.options.lingerMs ?? 100
    const maxRecords = this.options.batchRecords ?? 10_000
    const record = (topic: Topic, partition: number, r: RecordCursor) => this.batch.add(topic.name, partition, r)
    const maybeCommit = async (idle: boolean) => {
      if (this.batch.due({maxRecords, lingerMs: linger, idle})) {
        if (!(await this.commitBatch())) reader.stop()
      }
      if (Date.now() - this.lastGroupCheckMs >= 200) {
        this.lastGroupCheckMs = Date.now()
        if (this.groupChanged()) reader.stop()
      }
    }
    const onIdle = async () => {
      await maybeCommit(true)
      // Caught up on every owned partition with nothing pending: a batch job is done.
      if (this.options.exitAtEnd === true && this.batch.count === 0) this.stop()
    }
    try {
      await reader.run(record, () => maybeCommit(false), onIdle)
      if (this.batch.count > 0) await this.commitBatch()
    } finally {
      this.reader = undefined
    }
  }

  private startOffset(owned: Owned): number {
    const committed = this.member.store.committed(owned.topic.name, owned.partition)?.offset
    const reader = owned.topic.reader(owned.partition)
    const logStart = reader.logStartOffset()
    const end = new TransactionsView(this.log.dir).lastStableOffset(owned.topic.name, owned.partition, reader.endOffset())
    if (committed !== undefined && committed >= logStart && committed <= reader.endOffset()) return committed
    if (committed !== undefined) this.warn(`committed offset ${committed} of ${owned.key} is outside the log [${logStart}, ${reader.endOffset()}]: starting at the ${this.options.reset ?? 'earliest'} offset`)
    return (this.options.reset ?? 'earliest') === 'earliest' ? logStart : end
  }

  /** Runs the transform and commits one transaction; false when the batch was aborted (read again from the committed offsets). */
  private async commitBatch(): Promise<boolean> {
    const batch = this.batch
    const count = batch.count
    this.batch = new InputBatch(this.options.transform.runLines !== undefined)
    const producer = this.producer!
    const offsets = batch.nextOffsets()
    let outputs = 0
    try {
      const results = await transformBatch(this.options.transform, batch)
      producer.begin()
      // Line mode: every destination partition joins the transaction in one state write.
      const lineTargets = results.filter((r) => r.lines !== undefined && r.lines.length > 0).map((r) => r.inputPartition % this.destinationPartitions)
      if (lineTargets.length > 0) producer.addPartitions(this.options.to, [...new Set(lineTargets)])
      for (const {inputPartition, outputs: list, lines} of results) {
        if (lines !== undefined) {
          // Line mode: each stdout line a value, to the input partition's number (see routeOutput).
          if (lines.length === 0) continue
          const to = producer.producerFor(this.options.to)
          const before = to.stats.messages
          to.sendDelimited(lines, 0, lines.length, {delimiter: 0x0a, keyDelimiter: -1, partition: inputPartition % this.destinationPartitions}, Date.now())
          outputs += to.stats.messages - before
        }
        for (const out of list) {
          const {topic, partition} = routeOutput(out, inputPartition, this.options.to, (name) => this.destinationPartitionsOf(name))
          producer.send(topic, {key: out.key, value: out.value, headers: out.headers, partition})
          outputs++
        }
      }
      const claims: Record<string, number> = {}
      for (const o of offsets) claims[o.key] = this.member.claimGeneration(o.key) ?? -1
      producer.sendOffsets(this.options.group, offsets.map(({topic, partition, offset}) => ({topic, partition, offset})), {memberId: this.member.id, claims})
      producer.commit()
    } catch (error) {
      this.stats.aborted++
      try {
        producer.abort()
      } catch {
        // Already ended (the commit's own abort, or fenced): nothing left open.
      }
      if (error instanceof StromError && (error.code === 'INVALID_INPUT' || error.code === 'INVALID_ARGUMENT' || error.code === 'UNKNOWN_TOPIC' || error.code === 'PRODUCER_FENCED')) throw error
      this.failures++
      this.warn(`batch of ${count} records aborted, to be read again: ${(error as Error).message}`)
      if (this.failures >= (this.options.maxFailures ?? 5)) {
        throw new StromError('TRANSACTION_ABORTED', `${this.failures} batches in a row failed; last: ${(error as Error).message}`, {hint: 'fix the command (it must exit 0), then run strom process again: it resumes from the last committed batch'})
      }
      return false
    }
    this.failures = 0
    this.stats.inputs += count
    this.stats.outputs += outputs
    this.stats.transactions++
    this.options.onCommit?.({inputs: count, outputs, offsets: offsets.map(({topic, partition, offset}) => ({topic, partition, offset}))})
    return true
  }

  private destinationPartitionsOf(topic: string): number {
    return topic === this.options.to ? this.destinationPartitions : this.producer!.producerFor(topic).topic.partitions
  }

  /** Whether this member must hand over or claim partitions (checked between chunks); a dead member is reaped here too. */
  private groupChanged(): boolean {
    if (Date.now() - this.lastReapMs >= 500) {
      this.lastReapMs = Date.now()
      this.member.reapOthers()
    }
    const plan = this.member.plan(this.owned.keys())
    return plan.rejoined || plan.revoke.length > 0 || plan.toClaim.length > 0
  }

  private async followGroup(): Promise<void> {
    this.member.reapOthers()
    this.member.refreshSubscriptions()
    const plan = this.member.plan(this.owned.keys())
    if (plan.rejoined) {
      this.owned.clear()
      plan.revoke = []
      this.warn(`this member was declared dead (stopped or stalled past the session timeout) and joined again as ${this.member.id}`)
    }
    if (plan.revoke.length > 0) {
      // Nothing to commit on hand-over: every batch committed its offsets in its transaction.
      this.member.release(plan.revoke, [])
      for (const key of plan.revoke) this.owned.delete(key)
    }
    const claimed = plan.toClaim.length > 0 ? this.member.claim(plan.toClaim) : []
    if (claimed.length === 0) return
    const partitions = claimed.map(parseTpKey)
    // A previous owner's transaction may still hold offsets of these partitions: wait until it is decided.
    for (;;) {
      const blocking = settleGroupOffsets(this.log, this.options.group, partitions)
      if (blocking.length === 0 || this.stopped) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    for (const {topic, partition} of partitions) {
      const key = `${topic}:${partition}`
      this.owned.set(key, {key, topic: this.topicNamed(topic), partition})
      this.waiter.watch(this.topicNamed(topic).partitionDir(partition))
    }
  }

  private topicNamed(name: string): Topic {
    let topic = this.topics.get(name)
    if (topic === undefined) {
      topic = this.log.topic(name)
      this.topics.set(name, topic)
    }
    return topic
  }

  private warn(message: string): void {
    this.options.onWarning?.(message)
  }
}
