/**
 * A transactional producer on a log directory: Kafka's transactional.id semantics without a broker.
 *
 *   const tx = TransactionalProducer.init(log, {transactionalId: 'etl-1'})
 *   tx.begin(); tx.send('out', {key, value}); tx.sendOffsets('g', [{topic: 'in', partition: 0, offset: 42}]); tx.commit()
 *
 * The coordinator's side (state file, markers, fencing) is TransactionCoordinator; this is the
 * client's side: batches per partition (Producer), each stamped transactional with the producer id,
 * epoch and a per-partition sequence, the partition joined to the transaction before its first batch
 * (AddPartitionsToTxn), and every append checked under the partition's write lock against the state
 * file, so a fenced producer never writes after the marker that fenced it.
 */
import {StromError} from '../errors.js'
import type {Log, Topic} from '../log.js'
import type {OffsetCommit} from '../groups/group-store.js'
import {ProduceRecord, Producer, ProducerOptions} from '../producer.js'
import {BATCH, stampProducer} from '../format/record-batch.js'
import {DEFAULT_TRANSACTION_TIMEOUT_MS, GroupFence, ProducerSession, TransactionCoordinator} from './txn-coordinator.js'

export {DEFAULT_TRANSACTION_TIMEOUT_MS}
export type {GroupFence}

export interface TransactionalProducerOptions extends Omit<ProducerOptions, 'transactional'> {
  transactionalId: string
  /** Kafka's transaction.timeout.ms: an open transaction older than this counts as aborted. */
  timeoutMs?: number
}

export class TransactionalProducer {
  private readonly coordinator: TransactionCoordinator
  private session: ProducerSession | undefined
  private readonly producers = new Map<string, Producer>()
  private readonly topics = new Map<string, Topic>()
  private readonly sequences = new Map<string, number>()
  private readonly joined = new Set<string>()
  private inTransaction = false
  private fences: Array<{group: string; fence: GroupFence}> = []
  private pendingOffsets: Array<{group: string; offsets: OffsetCommit[]}> = []
  private readonly identity: {producerId: number; producerEpoch: number}

  private constructor(readonly log: Log, private readonly options: TransactionalProducerOptions, session: ProducerSession) {
    this.coordinator = new TransactionCoordinator(log, {sync: options.sync})
    this.session = session
    this.identity = {producerId: session.producerId, producerEpoch: session.producerEpoch}
  }

  /** InitProducerId for a transactional id: finishes the previous producer's work, fences it, takes a new epoch. */
  static init(log: Log, options: TransactionalProducerOptions): TransactionalProducer {
    const session = new TransactionCoordinator(log, {sync: options.sync}).initProducer(options.transactionalId, options.timeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS)
    return new TransactionalProducer(log, options, session)
  }

  get transactionalId(): string {
    return this.options.transactionalId
  }

  /** The id and epoch of this producer (still readable after close). */
  get producerId(): number {
    return this.identity.producerId
  }

  get producerEpoch(): number {
    return this.identity.producerEpoch
  }

  begin(): void {
    if (this.inTransaction) throw new StromError('INVALID_TXN_STATE', 'a transaction is already open: commit or abort it first')
    this.live()
    this.inTransaction = true
    this.joined.clear()
    this.fences = []
    this.pendingOffsets = []
  }

  /** Queues a record for a topic (appended as batches fill, and at commit). */
  send(topicName: string, record: ProduceRecord): void {
    this.requireTransaction('send')
    this.producerFor(topicName).send(record)
  }

  /** The topic's producer inside this transaction (for sendSlice, sendDelimited, flush). */
  producerFor(topicName: string): Producer {
    let producer = this.producers.get(topicName)
    if (producer === undefined) {
      const topic = this.log.topic(topicName)
      this.topics.set(topicName, topic)
      producer = new Producer(topic, {...this.options, transactional: {beforeAppend: (t, p, batch) => this.beforeAppend(t, p, batch)}})
      this.producers.set(topicName, producer)
    }
    return producer
  }

  /**
   * TxnOffsetCommit: these group offsets commit with the transaction; with a fence, only if the
   * member still owns their partitions. They are written with the commit point itself (PrepareCommit).
   */
  sendOffsets(group: string, offsets: OffsetCommit[], fence?: GroupFence): void {
    this.requireTransaction('sendOffsets')
    if (offsets.length === 0) return
    this.pendingOffsets.push({group, offsets})
    if (fence !== undefined) this.fences.push({group, fence})
  }

  /**
   * Joins these partitions to the transaction in one write (AddPartitionsToTxn with several), before
   * batches go to them; otherwise each joins at its first batch.
   */
  addPartitions(topicName: string, partitions: number[]): void {
    this.requireTransaction('addPartitions')
    const fresh = partitions.filter((p) => !this.joined.has(`${topicName}:${p}`))
    if (fresh.length === 0) return
    this.producerFor(topicName)
    const topic = this.topics.get(topicName)!
    this.coordinator.addPartitions(this.transactionalId, this.live(), fresh.map((partition) => ({topic, partition})))
    for (const p of fresh) this.joined.add(`${topicName}:${p}`)
  }

  commit(): void {
    this.requireTransaction('commit')
    try {
      for (const producer of this.producers.values()) producer.flush()
    } catch (error) {
      this.abortQuietly()
      throw error
    }
    this.inTransaction = false
    const outcome = this.coordinator.endTransaction(this.transactionalId, this.live(), true, this.fences, this.pendingOffsets)
    if (outcome === 'timed out') {
      throw new StromError('TRANSACTION_TIMED_OUT', `transaction of '${this.transactionalId}' ran longer than its timeout (${this.live().timeoutMs} ms) and was aborted`, {hint: 'commit more often, or raise the transaction timeout'})
    }
    if (typeof outcome === 'object') throw new StromError('TRANSACTION_ABORTED', `transaction of '${this.transactionalId}' was aborted: ${outcome.lost}`, {hint: 'the group rebalanced; read again from the committed offsets'})
  }

  abort(): void {
    for (const producer of this.producers.values()) producer.discardPending()
    this.inTransaction = false
    this.coordinator.endTransaction(this.transactionalId, this.live(), false)
  }

  /**
   * Gives up the id: an open transaction is aborted, the liveness token released; with `forget`,
   * the id's state goes too (an id that is never used again, as each `strom process` member's).
   */
  close(options: {forget?: boolean} = {}): void {
    try {
      if (this.inTransaction) this.abortQuietly()
      if (options.forget === true && this.session !== undefined) this.coordinator.forget(this.transactionalId, this.session)
    } finally {
      for (const topic of this.topics.values()) topic.close()
      this.session?.alive.close()
      this.session = undefined
    }
  }

  private live(): ProducerSession {
    if (this.session === undefined) throw new StromError('INVALID_TXN_STATE', `transactional producer '${this.transactionalId}' is closed`)
    return this.session
  }

  private abortQuietly(): void {
    try {
      this.abort()
    } catch {
      // Fenced or failing: the transaction counts as aborted once this producer is gone.
    }
  }

  private requireTransaction(what: string): void {
    if (!this.inTransaction) throw new StromError('INVALID_TXN_STATE', `${what} outside a transaction: call begin() first`)
  }

  /** AddPartitionsToTxn at the first batch, stamping, and the fencing check (see the header). */
  private beforeAppend(topicName: string, partition: number, batch: Buffer): () => void {
    const session = this.live()
    const key = `${topicName}:${partition}`
    if (!this.joined.has(key)) {
      this.coordinator.addPartitions(this.transactionalId, session, [{topic: this.topics.get(topicName)!, partition}])
      this.joined.add(key)
    }
    const sequence = this.sequences.get(key) ?? 0
    this.sequences.set(key, (sequence + batch.readInt32BE(BATCH.recordsCount)) % 0x8000_0000)
    stampProducer(batch, {producerId: session.producerId, producerEpoch: session.producerEpoch, baseSequence: sequence, transactional: true})
    return this.coordinator.appendCheck(this.transactionalId, session, topicName, partition)
  }
}
