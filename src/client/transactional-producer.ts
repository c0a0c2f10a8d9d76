/**
 * A transactional producer (KIP-98), as Kafka's Java client drives one with transactions v1:
 *
 *   init:    FindCoordinator (keyType 1, the transactional id) → InitProducerId (the id and a
 *            timeout) gives a producer id and an epoch; a newer epoch fences every older producer
 *            with the same transactional id, and the coordinator aborts what they left open.
 *   send:    before a transaction's first batch to a partition, AddPartitionsToTxn; the batches
 *            carry producer id, epoch and a per-partition sequence number (idempotence) and the
 *            transactional attribute bit, in Produce requests naming the transactional id.
 *   offsets: AddOffsetsToTxn (the group's coordinator joins the transaction), then TxnOffsetCommit
 *            at the group coordinator: the offsets become visible only if the transaction commits.
 *   end:     EndTxn (commit or abort); the coordinator writes the COMMIT/ABORT control batches.
 *
 * Transient coordinator states (CONCURRENT_TRANSACTIONS while the previous transaction's markers are
 * written, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR) are retried as the Java client does.
 * PRODUCER_FENCED and INVALID_PRODUCER_EPOCH mean another producer took the transactional id over:
 * they become ProducerFencedError, and every later call fails with it (a fenced producer must
 * close, never retry). Operations run one at a time, in call order, so sequence numbers are handed
 * out in the order the batches reach the broker.
 */
import {encodeBatch, type ProducerRecord, stampProducer} from '../core/format/record-batch.js'
import {AddOffsetsToTxn, AddPartitionsToTxn, EndTxn, InitProducerId, TxnOffsetCommit} from '../protocol/apis/index.js'
import type {Struct} from '../protocol/schema.js'
import type {KafkaCluster} from './cluster.js'
import type {BrokerConnection} from './connection.js'
import {KafkaProtocolError, coordinatorMoved, isRetriable, retrying} from './kafka-error.js'
import {produceBatches} from './produce.js'

export interface TransactionalProducerOptions {
  transactionalId: string
  /** How long the coordinator lets a transaction stay open before aborting it (Kafka's default: 60 s). */
  transactionTimeoutMs?: number
}

export interface TopicPartitionOffset {
  topic: string
  partition: number
  /** The next offset the group will read (the last processed + 1), as in OffsetCommit. */
  offset: number
}

/** The member whose offsets these are (KIP-447): the coordinator refuses them from a stale generation. */
export interface GroupMetadata {
  generationId: number
  memberId: string
  groupInstanceId?: string | null
}

const PRODUCER_FENCED = 90
const INVALID_PRODUCER_EPOCH = 47
const TRANSACTION_COORDINATOR = 1
const GROUP_COORDINATOR = 0
/** How long a coordinator may stay busy or away before an operation gives up (the Java client's max.block.ms). */
const COORDINATOR_DEADLINE_MS = 60_000

/** The transactional id was taken over by a newer producer: this one is a zombie and must close. */
export class ProducerFencedError extends KafkaProtocolError {
  readonly fenced = true

  constructor(code: number, readonly transactionalId: string, where: string, serverMessage?: string | null) {
    super(code, where, serverMessage ?? `another producer with transactional id '${transactionalId}' has started; this one is fenced and must be closed`)
    this.name = 'ProducerFencedError'
  }
}

/** True for the fenced producer's error (and the broker codes that mean it): never retry. */
export function isProducerFenced(error: unknown): boolean {
  return error instanceof ProducerFencedError || (error instanceof KafkaProtocolError && (error.code === PRODUCER_FENCED || error.code === INVALID_PRODUCER_EPOCH))
}

type State = 'ready' | 'in-transaction' | 'abortable' | 'fenced'

export class KafkaTransactionalProducer {
  private state: State = 'ready'
  private fencedBy: ProducerFencedError | undefined
  /** Next sequence number per "topic:partition", for this producer id and epoch. */
  private readonly sequences = new Map<string, number>()
  /** Partitions (and groups) the coordinator already counts in the open transaction. */
  private readonly partitionsInTxn = new Set<string>()
  private readonly groupsInTxn = new Set<string>()
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly cluster: KafkaCluster,
    readonly transactionalId: string,
    readonly producerId: number,
    readonly producerEpoch: number,
  ) {}

  /** Finds the transaction coordinator and gets a producer id and epoch, fencing older producers of the id. */
  static async init(cluster: KafkaCluster, options: TransactionalProducerOptions): Promise<KafkaTransactionalProducer> {
    const {transactionalId} = options
    const answer = await coordinatorCall(cluster, transactionalId, 'initialising the transactional producer', async (coordinator) => {
      const version = coordinator.version(InitProducerId)
      return coordinator.request(InitProducerId, {transactionalId, transactionTimeoutMs: options.transactionTimeoutMs ?? 60_000, producerId: -1, producerEpoch: -1}, {version})
    }, (a) => a.errorCode as number)
    return new KafkaTransactionalProducer(cluster, transactionalId, answer.producerId as number, answer.producerEpoch as number)
  }

  /** Starts a transaction (local only: the coordinator hears of it with the first partition or group added). */
  begin(): void {
    this.usable()
    if (this.state !== 'ready') throw new Error(`transactional id '${this.transactionalId}': begin() while a transaction is ${this.state === 'abortable' ? 'failed (abort it first)' : 'open'}`)
    this.state = 'in-transaction'
  }

  /** Writes `records` as one batch to topic/partition inside the open transaction; resolves with its base offset. */
  send(topic: string, partition: number, records: ProducerRecord[]): Promise<number> {
    return this.serial(async () => {
      this.inTransaction('send')
      if (records.length === 0) throw new Error('send() needs at least one record')
      const key = `${topic}:${partition}`
      try {
        if (!this.partitionsInTxn.has(key)) {
          await this.addPartition(topic, partition)
          this.partitionsInTxn.add(key)
        }
        const baseSequence = this.sequences.get(key) ?? 0
        const batch = stampProducer(encodeBatch(records), {producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence, transactional: true})
        if (this.cluster.leader(topic, partition) < 0) await this.cluster.refresh([topic])
        const offsets = await produceBatches(this.cluster, topic, new Map([[partition, batch]]), {acks: -1, transactionalId: this.transactionalId})
        // Sequences wrap at 2^31 as Kafka's do (DefaultRecordBatch.incrementSequence).
        this.sequences.set(key, (baseSequence + records.length) % 0x80000000)
        return offsets.get(partition)!
      } catch (error) {
        throw this.failed(error, `producing to ${topic}/${partition}`)
      }
    })
  }

  /**
   * Commits `offsets` of `groupId` as part of the transaction (consume-transform-produce): they take
   * effect only if it commits. `group` is the consuming member's generation and id (KIP-447).
   */
  sendOffsets(groupId: string, offsets: TopicPartitionOffset[], group?: GroupMetadata): Promise<void> {
    return this.serial(async () => {
      this.inTransaction('sendOffsets')
      try {
        if (!this.groupsInTxn.has(groupId)) {
          await coordinatorCall(this.cluster, this.transactionalId, `adding group '${groupId}' to the transaction`, async (coordinator) =>
            coordinator.request(AddOffsetsToTxn, {transactionalId: this.transactionalId, producerId: this.producerId, producerEpoch: this.producerEpoch, groupId}),
          (a) => a.errorCode as number)
          this.groupsInTxn.add(groupId)
        }
        await this.txnOffsetCommit(groupId, offsets, group)
      } catch (error) {
        throw this.failed(error, `committing offsets of group '${groupId}' in the transaction`)
      }
    })
  }

  commit(): Promise<void> {
    return this.serial(async () => {
      this.inTransaction('commit')
      if (this.state === 'abortable') throw new Error(`transactional id '${this.transactionalId}': the transaction failed; abort() it`)
      await this.endTxn(true)
    })
  }

  abort(): Promise<void> {
    return this.serial(async () => {
      this.inTransaction('abort')
      await this.endTxn(false)
    })
  }

  private async endTxn(committed: boolean): Promise<void> {
    // Nothing reached the coordinator: there is no transaction there to end (as the Java client skips EndTxn).
    if (this.partitionsInTxn.size > 0 || this.groupsInTxn.size > 0) {
      try {
        await coordinatorCall(this.cluster, this.transactionalId, committed ? 'committing the transaction' : 'aborting the transaction', async (coordinator) =>
          coordinator.request(EndTxn, {transactionalId: this.transactionalId, producerId: this.producerId, producerEpoch: this.producerEpoch, committed}),
        (a) => a.errorCode as number)
      } catch (error) {
        throw this.failed(error, committed ? 'committing the transaction' : 'aborting the transaction')
      }
    }
    this.partitionsInTxn.clear()
    this.groupsInTxn.clear()
    this.state = 'ready'
  }

  private async addPartition(topic: string, partition: number): Promise<void> {
    await coordinatorCall(this.cluster, this.transactionalId, `adding ${topic}/${partition} to the transaction`, async (coordinator) => {
      const version = coordinator.version(AddPartitionsToTxn)
      return coordinator.request(AddPartitionsToTxn, {
        v3AndBelowTransactionalId: this.transactionalId,
        v3AndBelowProducerId: this.producerId,
        v3AndBelowProducerEpoch: this.producerEpoch,
        v3AndBelowTopics: [{name: topic, partitions: [partition]}],
      }, {version})
    }, (a) => {
      const results = (a.resultsByTopicV3AndBelow as Array<{resultsByPartition: Array<{partitionErrorCode: number}>}>).flatMap((t) => t.resultsByPartition)
      return results.find((r) => r.partitionErrorCode !== 0)?.partitionErrorCode ?? 0
    })
  }

  private async txnOffsetCommit(groupId: string, offsets: TopicPartitionOffset[], group: GroupMetadata | undefined): Promise<void> {
    const byTopic = new Map<string, TopicPartitionOffset[]>()
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
    await retrying(async () => {
      const coordinator = await this.cluster.coordinator(groupId, GROUP_COORDINATOR)
      const answer = await coordinator.request(TxnOffsetCommit, {
        transactionalId: this.transactionalId,
        groupId,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        generationId: group?.generationId ?? -1,
        memberId: group?.memberId ?? '',
        groupInstanceId: group?.groupInstanceId ?? null,
        topics: [...byTopic].map(([name, list]) => ({name, partitions: list.map((o) => ({partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: ''}))})),
      })
      for (const t of answer.topics as Array<{name: string; partitions: Array<{partitionIndex: number; errorCode: number}>}>) {
        for (const p of t.partitions) if (p.errorCode !== 0) throw new KafkaProtocolError(p.errorCode, `committing ${t.name}/${p.partitionIndex} for group '${groupId}' in the transaction`)
      }
    }, {
      deadlineMs: COORDINATOR_DEADLINE_MS,
      recover: async (error) => {
        if (coordinatorMoved(error)) this.cluster.forgetCoordinator(groupId, GROUP_COORDINATOR)
      },
    })
  }

  /** Runs `operation` after every earlier one, whatever they did. */
  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation)
    this.queue = run.catch(() => undefined)
    return run
  }

  private usable(): void {
    if (this.fencedBy !== undefined) throw this.fencedBy
  }

  private inTransaction(operation: string): void {
    this.usable()
    if (this.state === 'ready') throw new Error(`transactional id '${this.transactionalId}': ${operation}() outside a transaction (call begin() first)`)
  }

  /** Fenced stays fenced; any other failure inside a transaction leaves only abort() possible. */
  private failed(error: unknown, where: string): unknown {
    if (isProducerFenced(error)) {
      const code = (error as KafkaProtocolError).code
      this.fencedBy = error instanceof ProducerFencedError ? error : new ProducerFencedError(code, this.transactionalId, `transactional id '${this.transactionalId}', ${where}`)
      this.state = 'fenced'
      return this.fencedBy
    }
    if (this.state === 'in-transaction') this.state = 'abortable'
    return error
  }
}

/**
 * One request to the transaction coordinator of `transactionalId`, repeated while the coordinator
 * moves, loads, or is still finishing the previous transaction (CONCURRENT_TRANSACTIONS); `errorOf`
 * picks the answer's error code. Fencing errors come back as ProducerFencedError.
 */
async function coordinatorCall(cluster: KafkaCluster, transactionalId: string, where: string, call: (coordinator: BrokerConnection) => Promise<Struct>, errorOf: (answer: Struct) => number): Promise<Struct> {
  try {
    return await retrying(async () => {
      const coordinator = await cluster.coordinator(transactionalId, TRANSACTION_COORDINATOR)
      const answer = await call(coordinator)
      const code = errorOf(answer)
      if (code !== 0) throw new KafkaProtocolError(code, `transactional id '${transactionalId}', ${where}`)
      return answer
    }, {
      deadlineMs: COORDINATOR_DEADLINE_MS,
      retriable: isRetriable,
      recover: async (error) => {
        if (coordinatorMoved(error) || !(error instanceof KafkaProtocolError)) cluster.forgetCoordinator(transactionalId, TRANSACTION_COORDINATOR)
      },
    })
  } catch (error) {
    if (isProducerFenced(error) && !(error instanceof ProducerFencedError)) throw new ProducerFencedError((error as KafkaProtocolError).code, transactionalId, `transactional id '${transactionalId}', ${where}`)
    throw error
  }
}
