/**
 * `strom process --bootstrap-server`: consume-transform-produce, exactly once, through Apache
 * Kafka's own transactions (KIP-98) and group fencing (KIP-447), with strom's Kafka client.
 *
 * The loop is processor.ts's (a log directory), on Kafka's pieces:
 *   join the group (classic protocol, src/client/group-member.ts) → start positions: the group's
 *   committed offsets fetched with requireStable (a partition whose offsets a previous owner's
 *   transaction still holds answers UNSTABLE_OFFSET_COMMIT until that transaction ends: retried),
 *   or --reset where there are none → read the assigned partitions read_committed, in batches.
 * Each batch, per input partition, runs the transform; then one transaction: begin, the outputs
 * (Produce, transactional), the group's next offsets for the batch (TxnOffsetCommit with this
 * member's generation and member id: the group coordinator refuses them once the partitions
 * belong to a newer generation), commit (EndTxn).
 *
 * Anything failing before the commit (the transform, a refused offset commit, a broker error)
 * aborts the transaction: its outputs are never visible to read_committed readers and the offsets
 * do not move; the member then reads again from the committed offsets. A rebalance (the heartbeat
 * hears of it) ends the read: the open batch is finished (committed under the current generation,
 * which the coordinator accepts until the rebalance completes, or aborted if it refuses), then the
 * member rejoins and starts from the committed offsets. A member killed mid-transaction leaves it
 * open until the transaction timeout; the partitions' next owner waits for it (requireStable), and
 * the coordinator then aborts it.
 *
 * The transactional id is this process's own (strom-process.<group>.<random>): every member has
 * its own producer, and KIP-447's generation check, not the id, fences a zombie. A producer fenced
 * all the same (someone reused the id) stops the member with an error.
 */
import {randomUUID} from 'node:crypto'
import {EARLIEST, KafkaAdmin, LATEST} from '../client/admin.js'
import type {KafkaCluster} from '../client/cluster.js'
import {GroupMember} from '../client/group-member.js'
import {KafkaProtocolError, isRetriable, needsRejoin, retrying} from '../client/kafka-error.js'
import {KafkaTransactionalProducer, isProducerFenced} from '../client/transactional-producer.js'
import {KafkaReader, type ResolvedPartition} from '../backends/kafka/kafka-reader.js'
import type {ProducerRecord} from '../core/format/record-batch.js'
import {StromError} from '../core/errors.js'
import {InputBatch, routeOutput, transformBatch} from './batch.js'
import type {ProcessOptions, ProcessStats} from './processor.js'

/** How long joining and fetching offsets are retried through a failover. */
const FAILOVER_RETRY_MS = 120_000
const SESSION_TIMEOUT_MS = 10_000
/** A JoinGroup is answered once every member has rejoined (finished its batch), which may take up to this long. */
const REBALANCE_TIMEOUT_MS = 60_000
const HEARTBEAT_INTERVAL_MS = 1000
/** Bytes of records per Produce request at most (the broker's message.max.bytes is 1 MiB by default). */
const REQUEST_BYTES = 512 * 1024
/** After this long waiting for a previous owner's transaction, say why the member is idle. */
const UNSTABLE_WARNING_MS = 5000

export interface KafkaProcessOptions extends ProcessOptions {
  /** Replication factor of a destination topic created here (-1: the broker's default). */
  replicationFactor?: number
}

export class KafkaProcessor {
  readonly stats: ProcessStats = {inputs: 0, outputs: 0, transactions: 0, aborted: 0}
  readonly transactionalId: string
  private readonly admin: KafkaAdmin
  private readonly member: GroupMember
  private producer: KafkaTransactionalProducer | undefined
  private reader: KafkaReader | undefined
  private stopped = false
  private failures = 0
  private batch = new InputBatch()
  /** A batch was aborted: the read ends and starts again from the committed offsets. */
  private restart = false
  /** Batches commit one at a time (the reader's leader loops may call afterChunk concurrently). */
  private queue: Promise<void> = Promise.resolve()
  private readonly partitionCounts = new Map<string, number>()

  constructor(private readonly cluster: KafkaCluster, private readonly options: KafkaProcessOptions) {
    if (options.sources.includes(options.to)) throw new StromError('INVALID_ARGUMENT', `--to ${options.to} is also an input: the outputs would be read again`, {hint: 'write to another topic'})
    this.admin = new KafkaAdmin(cluster)
    this.transactionalId = `strom-process.${options.group}.${randomUUID()}`
    this.member = new GroupMember(cluster, {
      groupId: options.group,
      topics: options.sources,
      strategies: ['range', 'roundrobin'],
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    })
  }

  stop(): void {
    this.stopped = true
    this.reader?.stop()
  }

  async run(): Promise<void> {
    try {
      await this.prepareTopics()
      this.producer = await KafkaTransactionalProducer.init(this.cluster, {transactionalId: this.transactionalId, transactionTimeoutMs: this.options.transactionTimeoutMs})
      let assignment: Map<string, number[]> | undefined
      while (!this.stopped) {
        if (assignment === undefined || this.member.rejoinNeeded) {
          assignment = await retrying(() => this.member.join(), {deadlineMs: FAILOVER_RETRY_MS, stopped: () => this.stopped})
          if (this.stopped) break
        }
        const partitions = await this.startPositions(assignment)
        if (partitions === undefined || this.stopped) continue
        await this.read(partitions)
        // -e: this member's partitions were read to their ends (a rebalance or a failed batch reads again).
        if (this.options.exitAtEnd === true && !this.restart && !this.member.rejoinNeeded) break
      }
    } finally {
      this.reader = undefined
      await this.member.leave()
      await this.options.transform.close?.()
    }
  }

  /** Checks the sources exist; creates the destination (the first source's partition count) if it does not. */
  private async prepareTopics(): Promise<void> {
    const metadata = await this.cluster.refresh([...this.options.sources, this.options.to])
    for (const source of this.options.sources) {
      const found = metadata.find((t) => t.name === source)
      if (found === undefined || found.errorCode !== 0 || found.partitions.length === 0) {
        throw new StromError('UNKNOWN_TOPIC', `no topic '${source}' to read`, {hint: `create it first: strom topic create ${source} --bootstrap-server ...`})
      }
      this.partitionCounts.set(source, found.partitions.length)
    }
    const destination = metadata.find((t) => t.name === this.options.to)
    if (destination !== undefined && destination.errorCode === 0 && destination.partitions.length > 0) {
      this.partitionCounts.set(this.options.to, destination.partitions.length)
      return
    }
    const partitions = this.partitionCounts.get(this.options.sources[0])!
    await this.admin.createTopic(this.options.to, partitions, this.options.replicationFactor ?? -1, {})
    // The new topic's leaders reach the metadata a moment after CreateTopics answers.
    await retrying(async () => {
      const [topic] = await this.cluster.refresh([this.options.to])
      if (topic === undefined || topic.errorCode !== 0 || topic.partitions.length === 0 || topic.partitions.some((p) => p.leader < 0)) throw new KafkaProtocolError(5 /* LEADER_NOT_AVAILABLE */, `creating '${this.options.to}'`)
      this.partitionCounts.set(this.options.to, topic.partitions.length)
    }, {deadlineMs: 30_000})
  }

  /** Where each assigned partition starts: the group's stable committed offset, else the reset policy (committed at once). */
  private async startPositions(assignment: Map<string, number[]>): Promise<ResolvedPartition[] | undefined> {
    const asked = [...assignment].filter(([, list]) => list.length > 0).map(([topic, partitions]) => ({topic, partitions}))
    if (asked.length === 0) return []
    const waitingSince = Date.now()
    let warned = false
    const abandon = () => this.stopped || this.member.rejoinNeeded
    try {
      const commits = await retrying(() => this.admin.committedOffsets(this.options.group, {partitions: asked, requireStable: true}), {
        // A killed owner's transaction holds its offsets until the coordinator aborts it (the transaction timeout).
        deadlineMs: FAILOVER_RETRY_MS + (this.options.transactionTimeoutMs ?? 60_000),
        stopped: abandon,
        retriable: (error) => {
          if (!warned && Date.now() - waitingSince > UNSTABLE_WARNING_MS && error instanceof KafkaProtocolError && error.type === 'UNSTABLE_OFFSET_COMMIT') {
            warned = true
            this.warn(`waiting for a transaction of a previous owner of ${asked.map((a) => `${a.topic}/${a.partitions.join(',')}`).join(' ')} to end (a killed member's ends at its transaction timeout)`)
          }
          return isRetriable(error) && !abandon()
        },
      })
      if (abandon()) return undefined
      const committed = new Map(commits.map((o) => [`${o.topic}:${o.partition}`, o.offset]))
      const resolved: ResolvedPartition[] = []
      const starts: Array<{topic: string; partition: number; offset: number}> = []
      const exitAtEnd = this.options.exitAtEnd === true
      for (const {topic, partitions} of asked) {
        const missing = partitions.filter((p) => !committed.has(`${topic}:${p}`))
        const resets: Map<number, {offset: number}> = missing.length === 0 ? new Map() : await this.admin.listOffsets(topic, (this.options.reset ?? 'earliest') === 'earliest' ? EARLIEST : LATEST, missing, 'read_committed')
        // -e: the batch job ends at each partition's last stable offset as it is now.
        const ends: Map<number, {offset: number}> = exitAtEnd ? await this.admin.listOffsets(topic, LATEST, partitions, 'read_committed') : new Map()
        for (const partition of partitions) {
          let position = committed.get(`${topic}:${partition}`)
          if (position === undefined) {
            position = resets.get(partition)?.offset ?? 0
            starts.push({topic, partition, offset: position})
          }
          resolved.push({topic, partition, position, end: exitAtEnd ? Math.max(position, ends.get(partition)?.offset ?? position) : undefined})
        }
      }
      // A later owner resumes where this one started, not at a newer end (which would skip what arrived in between).
      if (starts.length > 0) await this.admin.commitOffsets(this.options.group, starts, {generationId: this.member.generationId, memberId: this.member.memberId})
      return resolved
    } catch (error) {
      if (this.member.noteError(error) || this.member.rejoinNeeded || (this.stopped && isRetriable(error))) return undefined
      throw error
    }
  }

  /** Reads from `partitions` in batches until a rebalance, a failed batch, or stop(). */
  private async read(partitions: ResolvedPartition[]): Promise<void> {
    this.batch = new InputBatch()
    this.restart = false
    const maxRecords = this.options.batchRecords ?? 10_000
    const lingerMs = this.options.lingerMs ?? 100
    const reader = new KafkaReader(
      this.cluster,
      partitions,
      {follow: this.options.exitAtEnd !== true, checkCrcs: true, isolation: 'read_committed', pause: () => this.restart || this.member.rejoinNeeded, chunkRecords: maxRecords},
      async (topic, partition) => (await this.admin.listOffsets(topic, EARLIEST, [partition])).get(partition)?.offset ?? 0,
      (message) => this.warn(message),
      (error) => error,
    )
    this.reader = reader
    if (this.stopped) reader.stop()
    await reader.run(
      (topic, partition, record) => {
        // After a failed batch, what the reader still hands over is read again from the committed offsets.
        if (!this.restart) this.batch.add(topic, partition, record)
      },
      () => this.serially(async () => {
        if (!this.restart && this.batch.due({maxRecords, lingerMs, idle: false})) await this.commitBatch()
      }),
    )
    this.reader = undefined
    // Stopped or rebalancing: finish the open batch (the coordinator still takes this generation's
    // offsets until the rebalance completes; if not, the batch aborts and the next owner reads it).
    await this.serially(async () => {
      if (!this.restart && this.batch.count > 0) await this.commitBatch()
    })
  }

  private serially(operation: () => Promise<void>): Promise<void> {
    const run = this.queue.then(operation)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Runs the transform on the batch and commits its outputs and offsets in one transaction; on failure aborts and sets `restart`. */
  private async commitBatch(): Promise<void> {
    const batch = this.batch
    this.batch = new InputBatch()
    const producer = this.producer!
    const offsets = batch.nextOffsets().map(({topic, partition, offset}) => ({topic, partition, offset}))
    let outputs = 0
    let begun = false
    try {
      const results = await transformBatch(this.options.transform, batch)
      await this.learnPartitionCounts(results.flatMap((r) => r.outputs.map((o) => o.topic ?? this.options.to)))
      // Outputs per destination partition, in order: one Produce (or a few, when large) per partition.
      const byPartition = new Map<string, {topic: string; partition: number; records: ProducerRecord[]}>()
      for (const {inputPartition, outputs: list} of results) {
        for (const out of list) {
          const {topic, partition} = routeOutput(out, inputPartition, this.options.to, (name) => this.partitionCounts.get(name)!)
          const key = `${topic}:${partition}`
          let group = byPartition.get(key)
          if (group === undefined) byPartition.set(key, (group = {topic, partition, records: []}))
          group.records.push({key: out.key, value: out.value, headers: out.headers})
          outputs++
        }
      }
      producer.begin()
      begun = true
      for (const {topic, partition, records} of byPartition.values()) {
        for (const chunk of requestChunks(records)) await producer.send(topic, partition, chunk)
      }
      await producer.sendOffsets(this.options.group, offsets, {generationId: this.member.generationId, memberId: this.member.memberId})
      await producer.commit()
    } catch (error) {
      this.stats.aborted++
      this.restart = true
      if (isProducerFenced(error)) throw fencedError(this.transactionalId)
      if (begun) await this.abort()
      if (error instanceof StromError && (error.code === 'INVALID_INPUT' || error.code === 'INVALID_ARGUMENT' || error.code === 'UNKNOWN_TOPIC')) throw error
      const message = error instanceof Error ? error.message : String(error)
      if (needsRejoin(error) || this.member.noteError(error) || (error instanceof KafkaProtocolError && error.type === 'FENCED_INSTANCE_ID')) {
        // KIP-447: the partitions moved to a newer generation; their new owner reads the batch.
        this.warn(`batch of ${batch.count} records aborted: the group rebalanced (${message}); rejoining`)
        return
      }
      this.failures++
      this.warn(`batch of ${batch.count} records aborted, to be read again: ${message}`)
      if (this.failures >= (this.options.maxFailures ?? 5)) {
        throw new StromError('TRANSACTION_ABORTED', `${this.failures} batches in a row failed; last: ${message}`, {hint: 'fix the command (it must exit 0), then run strom process again: it resumes from the last committed batch'})
      }
      return
    }
    this.failures = 0
    this.stats.inputs += batch.count
    this.stats.outputs += outputs
    this.stats.transactions++
    this.options.onCommit?.({inputs: batch.count, outputs, offsets})
  }

  /**
   * Aborts the open transaction. If the abort itself fails (the coordinator unreachable past the
   * client's deadline), a new producer with the same transactional id takes over: its
   * InitProducerId bumps the epoch, and the coordinator aborts what the old one left open.
   */
  private async abort(): Promise<void> {
    try {
      await this.producer!.abort()
    } catch (error) {
      if (isProducerFenced(error)) throw fencedError(this.transactionalId)
      this.warn(`aborting the transaction failed (${(error as Error).message}): starting the producer again`)
      this.producer = await KafkaTransactionalProducer.init(this.cluster, {transactionalId: this.transactionalId, transactionTimeoutMs: this.options.transactionTimeoutMs})
    }
  }

  /** Partition counts of destinations named by outputs (--json "topic"), asked once each. */
  private async learnPartitionCounts(topics: string[]): Promise<void> {
    const unknown = [...new Set(topics)].filter((t) => !this.partitionCounts.has(t))
    if (unknown.length === 0) return
    for (const topic of await this.cluster.refresh(unknown)) {
      if (topic.errorCode !== 0 || topic.partitions.length === 0) {
        throw new StromError('UNKNOWN_TOPIC', `an output names topic '${topic.name}', which does not exist`, {hint: `create it first: strom topic create ${topic.name} --bootstrap-server ...`})
      }
      this.partitionCounts.set(topic.name, topic.partitions.length)
    }
  }

  private warn(message: string): void {
    this.options.onWarning?.(message)
  }
}

function fencedError(transactionalId: string): StromError {
  return new StromError('PRODUCER_FENCED', `another producer started with this member's transactional id '${transactionalId}': this member is fenced and stops (its open transaction is aborted)`, {
    hint: 'each strom process member has its own transactional id; start the member again to rejoin the group',
  })
}

/** Splits a partition's outputs into Produce-sized lists (records' own bytes, plus a margin for their framing). */
function requestChunks(records: ProducerRecord[]): ProducerRecord[][] {
  const chunks: ProducerRecord[][] = []
  let current: ProducerRecord[] = []
  let bytes = 0
  for (const record of records) {
    const size = 32 + (record.key?.length ?? 0) + (record.value?.length ?? 0) + (record.headers ?? []).reduce((sum, h) => sum + h.key.length + (h.value?.length ?? 0) + 8, 0)
    if (current.length > 0 && bytes + size > REQUEST_BYTES) {
      chunks.push(current)
      current = []
      bytes = 0
    }
    current.push(record)
    bytes += size
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}
