/**
 * A transactional producer on a log directory: Kafka's transactional.id semantics without a broker.
 *
 *   const tx = TransactionalProducer.init(log, {transactionalId: 'etl-1'})
 *   tx.begin(); tx.send('out', {key, value}); tx.sendOffsets('g', [{topic: 'in', partition: 0, offset: 42}]); tx.commit()
 *
 * - init: under the id's lock, finishes whatever the id's previous producer left (commits a
 *   PrepareCommit, aborts an Ongoing or PrepareAbort transaction: that fences a zombie), bumps the
 *   epoch and takes the epoch's liveness token.
 * - A partition joins the transaction (state Ongoing, its end offset recorded as the transaction's
 *   lower bound there) before the first batch goes to it, as AddPartitionsToTxn does.
 * - Every batch is transactional (attribute bit 4, producer id, epoch, sequence) and is appended
 *   only if, under the partition's write lock, the state file still names this epoch: a producer
 *   fenced by a newer one can never write after the marker that aborted its work.
 * - commit: flushes, then under the id's lock checks epoch, timeout and (KIP-447) that the group
 *   member still owns the partitions whose offsets it commits, writes PrepareCommit (the commit
 *   point) and completes (markers, offsets, CompleteCommit). abort: PrepareAbort, then complete.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {FileLock} from '../io/file-lock.js'
import type {Log, Topic} from '../log.js'
import {GroupStore} from '../groups/group-store.js'
import type {OffsetCommit} from '../groups/group-store.js'
import {ProduceRecord, Producer, ProducerOptions} from '../producer.js'
import {ATTR_TRANSACTIONAL, stampProducer} from './control-batch.js'
import {completeTransaction, topicLookup} from './txn-coordinator.js'
import {outcomeOf, ownerAliveIn} from './isolation.js'
import {TransactionFiles, TxnState} from './txn-store.js'

export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000
const MAX_EPOCH = 32_767

export interface TransactionalProducerOptions extends Omit<ProducerOptions, 'transactional' | 'partitioner'> {
  transactionalId: string
  /** Kafka's transaction.timeout.ms: an open transaction older than this counts as aborted. */
  timeoutMs?: number
  partitioner?: ProducerOptions['partitioner']
}

/** A group member's identity, checked at commit so a member that lost its partitions cannot commit their offsets. */
export interface GroupFence {
  memberId: string
  generation: number
}

export function fencedError(id: string, detail: string): StromError {
  return new StromError('PRODUCER_FENCED', `transactional producer '${id}' was fenced: ${detail}`, {
    hint: 'another producer with the same transactional id took over (or the transaction timed out); this one must stop, its open transaction is aborted',
  })
}

export class TransactionalProducer {
  readonly files: TransactionFiles
  producerId: number
  producerEpoch: number
  private readonly timeoutMs: number
  private readonly producers = new Map<string, Producer>()
  private readonly topics = new Map<string, Topic>()
  private readonly sequences = new Map<string, number>()
  private readonly joined = new Set<string>()
  private inTransaction = false
  private alive: FileLock | undefined
  private pendingFences: Array<{group: string; fence: GroupFence; partitions: Array<{topic: string; partition: number}>}> = []

  private constructor(readonly log: Log, private readonly options: TransactionalProducerOptions, state: TxnState) {
    this.files = new TransactionFiles(log.dir, options.transactionalId)
    this.producerId = state.producerId
    this.producerEpoch = state.producerEpoch
    this.timeoutMs = state.timeoutMs
  }

  get transactionalId(): string {
    return this.options.transactionalId
  }

  /** InitProducerId for a transactional id: finishes the previous producer's work, fences it, takes a new epoch. */
  static init(log: Log, options: TransactionalProducerOptions): TransactionalProducer {
    const files = new TransactionFiles(log.dir, options.transactionalId)
    const timeoutMs = options.timeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS
    let alive: FileLock | undefined
    const state = files.withLock(() => {
      let previous = files.read()
      const topics = topicLookup(log)
      let epoch = 0
      let producerId = crypto.randomInt(1, 2 ** 46)
      if (previous !== undefined) {
        producerId = previous.producerId
        epoch = previous.producerEpoch + 1
        if (epoch > MAX_EPOCH) {
          producerId = crypto.randomInt(1, 2 ** 46)
          epoch = 0
        }
        if (previous.state === 'PrepareCommit') previous = completeTransaction(files, previous, 'COMMIT', topics)
        // The bumped epoch on the ABORT markers fences the old producer in each partition too.
        else if (previous.state === 'Ongoing' || previous.state === 'PrepareAbort') previous = completeTransaction(files, previous, 'ABORT', topics, previous.producerId === producerId ? epoch : previous.producerEpoch)
      }
      alive = new FileLock(files.aliveFile(epoch))
      if (!alive.tryAcquire()) throw new StromError('PRODUCER_FENCED', `the liveness token ${files.aliveFile(epoch)} is held by another process`, {hint: 'two producers initialised the same transactional id at once; retry'})
      const fresh: TxnState = {transactionalId: options.transactionalId, producerId, producerEpoch: epoch, timeoutMs, state: 'Empty', startedMs: 0, partitions: {}, offsets: {}}
      files.write(fresh)
      removeStaleTokens(files, epoch)
      return fresh
    })
    const producer = new TransactionalProducer(log, options, state)
    producer.alive = alive
    return producer
  }

  begin(): void {
    if (this.inTransaction) throw new StromError('INVALID_TXN_STATE', 'a transaction is already open: commit or abort it first')
    this.inTransaction = true
    this.joined.clear()
    this.pendingFences = []
  }

  /** Queues a record for a topic (appended as batches fill, and at commit). */
  send(topicName: string, record: ProduceRecord): void {
    this.requireTransaction('send')
    this.producerFor(topicName).send(record)
  }

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

  /** TxnOffsetCommit: these group offsets commit with the transaction (and only then). */
  sendOffsets(group: string, offsets: OffsetCommit[], fence?: GroupFence): void {
    this.requireTransaction('sendOffsets')
    if (offsets.length === 0) return
    this.files.withLock(() => {
      const state = this.currentLocked()
      const byTopic = (state.offsets[group] ??= {})
      for (const o of offsets) (byTopic[o.topic] ??= {})[String(o.partition)] = {offset: o.offset, metadata: o.metadata ?? ''}
      this.files.write(this.ongoing(state))
    })
    if (fence !== undefined) this.pendingFences.push({group, fence, partitions: offsets.map((o) => ({topic: o.topic, partition: o.partition}))})
  }

  commit(): void {
    this.requireTransaction('commit')
    try {
      for (const producer of this.producers.values()) producer.flush()
    } catch (error) {
      this.abortQuietly()
      throw error
    }
    const outcome = this.files.withLock(() => {
      const now = Date.now()
      const state = this.currentLocked()
      if (state.state === 'Empty' || state.state.startsWith('Complete')) return 'empty' as const
      if (outcomeOf(state, now, () => true) === 'aborted') {
        completeTransaction(this.files, {...state, state: 'PrepareAbort'}, 'ABORT', topicLookup(this.log))
        return 'timed out' as const
      }
      const lost = this.lostPartitions()
      if (lost !== undefined) {
        completeTransaction(this.files, {...state, state: 'PrepareAbort'}, 'ABORT', topicLookup(this.log))
        return lost
      }
      const prepared: TxnState = {...state, state: 'PrepareCommit'}
      this.files.write(prepared)
      completeTransaction(this.files, prepared, 'COMMIT', topicLookup(this.log))
      return 'committed' as const
    })
    this.inTransaction = false
    if (outcome === 'timed out') throw new StromError('TRANSACTION_TIMED_OUT', `transaction of '${this.transactionalId}' ran longer than its timeout (${this.timeoutMs} ms) and was aborted`, {hint: 'commit more often, or raise the transaction timeout'})
    if (outcome !== 'committed' && outcome !== 'empty') throw new StromError('TRANSACTION_ABORTED', `transaction of '${this.transactionalId}' was aborted: ${outcome}`, {hint: 'the group rebalanced; read again from the committed offsets'})
  }

  abort(): void {
    for (const producer of this.producers.values()) producer.discardPending()
    this.inTransaction = false
    this.files.withLock(() => {
      const state = this.currentLocked()
      if (state.state !== 'Ongoing') return
      completeTransaction(this.files, {...state, state: 'PrepareAbort'}, 'ABORT', topicLookup(this.log))
    })
  }

  /** Gives up the id: an open transaction is aborted, the liveness token released. */
  close(): void {
    try {
      if (this.inTransaction) this.abortQuietly()
    } finally {
      for (const topic of this.topics.values()) topic.close()
      this.alive?.close()
      this.alive = undefined
    }
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

  /** Caller holds the id's lock: the state, if it is still this producer's. */
  private currentLocked(): TxnState {
    const state = this.files.read()
    if (state === undefined || state.producerId !== this.producerId || state.producerEpoch !== this.producerEpoch) {
      this.inTransaction = false
      throw fencedError(this.transactionalId, `its epoch ${this.producerEpoch} is no longer current${state === undefined ? '' : ` (epoch ${state.producerEpoch})`}`)
    }
    return state
  }

  private ongoing(state: TxnState): TxnState {
    if (state.state === 'Ongoing') return state
    return {...state, state: 'Ongoing', startedMs: Date.now(), partitions: {}, offsets: state.offsets}
  }

  /** AddPartitionsToTxn, stamping, and the fencing check (see the header). */
  private beforeAppend(topicName: string, partition: number, batch: Buffer): (nextOffset: number) => void {
    const key = `${topicName}:${partition}`
    if (!this.joined.has(key)) {
      const topic = this.topics.get(topicName)!
      this.files.withLock(() => {
        const state = this.ongoing(this.currentLocked())
        const reader = topic.reader(partition)
        reader.refreshSegmentBases()
        ;(state.partitions[topicName] ??= {})[String(partition)] ??= reader.endOffset()
        this.files.write(state)
      })
      this.joined.add(key)
    }
    const sequence = this.sequences.get(key) ?? 0
    this.sequences.set(key, (sequence + batch.readInt32BE(57)) % 0x8000_0000)
    stampProducer(batch, {producerId: this.producerId, producerEpoch: this.producerEpoch}, sequence, ATTR_TRANSACTIONAL)
    return () => {
      const state = this.files.read()
      if (state === undefined || state.producerEpoch !== this.producerEpoch || state.producerId !== this.producerId || state.state !== 'Ongoing' || state.partitions[topicName]?.[String(partition)] === undefined) {
        throw fencedError(this.transactionalId, `the transaction state no longer names epoch ${this.producerEpoch} as writing ${topicName}/${partition}`)
      }
    }
  }

  /** KIP-447: a member that no longer owns a partition whose offsets it commits must not commit. */
  private lostPartitions(): string | undefined {
    for (const {group, fence, partitions} of this.pendingFences) {
      const store = new GroupStore(this.log.dir, group)
      const state = store.withLock(() => store.readState())
      if (!(fence.memberId in state.members)) return `member ${fence.memberId} is no longer in group '${group}'`
      for (const {topic, partition} of partitions) {
        const owner = state.owned[`${topic}:${partition}`]
        if (owner !== undefined && owner.member !== fence.memberId) return `partition ${topic}/${partition} now belongs to member ${owner.member} of group '${group}'`
      }
      const target = state.target[fence.memberId] ?? []
      for (const {topic, partition} of partitions) if (!target.includes(`${topic}:${partition}`)) return `partition ${topic}/${partition} is no longer assigned to member ${fence.memberId} of group '${group}'`
    }
    return undefined
  }
}

/** Liveness tokens of earlier epochs nobody holds any more. */
function removeStaleTokens(files: TransactionFiles, current: number): void {
  for (const name of fs.readdirSync(files.dir)) {
    const match = /^alive-(\d+)$/.exec(name)
    if (match === null || Number(match[1]) === current) continue
    const file = path.join(files.dir, name)
    if (!ownerAliveIn(files.logDir)({transactionalId: files.transactionalId, producerEpoch: Number(match[1])} as TxnState)) fs.rmSync(file, {force: true})
  }
}
