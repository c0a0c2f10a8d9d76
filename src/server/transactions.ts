/**
 * Kafka transactions in `strom serve`: the transaction coordinator's side for Kafka clients, on
 * core's TransactionCoordinator (the state files, markers and fencing are all there; this keeps
 * only what a serving process must hold).
 *
 * - Sessions, one per transactional id: the liveness token of the id's current epoch is held by
 *   this process from InitProducerId on (a Kafka client's transaction lives on a broker, not in the
 *   client process). A second InitProducerId for the id fences the first: its token is closed.
 *   A client that disappears leaves its transaction open until its timeout; then the periodic
 *   recovery aborts it (with the next epoch, so the client is fenced, as Kafka's coordinator does).
 * - Producer id → transactional id, for Produce (a batch names only its producer id); ids
 *   initialised by another serve process on the directory are found in the state files.
 * - The group fences of TxnOffsetCommit v3+ (KIP-447), checked by EndTxn at commit.
 * - Error codes: a fenced producer is PRODUCER_FENCED from the versions that know it (KIP-588),
 *   INVALID_PRODUCER_EPOCH before, as Kafka answers.
 */
import type {Log} from '../core/log.js'
import {isStromError} from '../core/errors.js'
import {DEFAULT_TRANSACTION_TIMEOUT_MS, GroupFence, ProducerSession, TransactionCoordinator, recoverTransactions} from '../core/txn/txn-coordinator.js'
import {TransactionStatesCache, TxnState} from '../core/txn/txn-store.js'
import {TransactionsView} from '../core/txn/isolation.js'
import {ERR, errorMessage, kafkaErrorCode} from './protocol/error-codes.js'

/** How often decided and timed-out transactions are finished (markers written, LSO moved on). */
export const RECOVERY_INTERVAL_MS = 1000
/** Kafka's transaction.max.timeout.ms default: a longer transaction.timeout.ms is refused. */
export const MAX_TRANSACTION_TIMEOUT_MS = 15 * 60 * 1000

export class ServeTransactions {
  readonly coordinator: TransactionCoordinator
  private readonly sessions = new Map<string, ProducerSession>()
  private readonly idsByProducer = new Map<number, string>()
  private readonly fences = new Map<string, Array<{group: string; fence: GroupFence}>>()
  /** "producerId:epoch" of the KIP-360 re-init that produced the id's current epoch. */
  private readonly resumedFrom = new Map<string, string>()
  private readonly timer: NodeJS.Timeout
  /** Every fetch judges the states: listed again only when one changed (1000 ids cost ~100 ms a listing). */
  private readonly cache: TransactionStatesCache

  constructor(private readonly log: Log, private readonly report: (message: string) => void) {
    this.coordinator = new TransactionCoordinator(log)
    this.cache = new TransactionStatesCache(log.dir)
    this.timer = setInterval(() => this.recover(), RECOVERY_INTERVAL_MS)
    this.timer.unref()
  }

  /**
   * InitProducerId with a transactional id. `expected` (v3+, KIP-360): the producer's current id and
   * epoch when it re-initialises itself; a retry of an InitProducerId already answered gets the
   * same answer again.
   */
  init(transactionalId: string, timeoutMs: number, expected?: {producerId: number; producerEpoch: number}): ProducerSession {
    const old = this.sessions.get(transactionalId)
    // A retry is recognised as Kafka does (lastProducerEpoch): the current epoch came from a re-init
    // by exactly this producer and epoch. A producer fenced by a plain InitProducerId is not one.
    if (expected !== undefined && old !== undefined && this.resumedFrom.get(transactionalId) === `${expected.producerId}:${expected.producerEpoch}`) {
      const state = this.coordinator.files(transactionalId).read()
      if (state?.producerId === old.producerId && state.producerEpoch === old.producerEpoch && state.state === 'Empty') return old
    }
    const session = this.coordinator.initProducer(transactionalId, timeoutMs > 0 ? timeoutMs : DEFAULT_TRANSACTION_TIMEOUT_MS, expected)
    // The previous epoch's producer is fenced: its token goes (its transaction was aborted by init).
    if (old !== undefined) {
      old.alive.close()
      this.idsByProducer.delete(old.producerId)
    }
    this.sessions.set(transactionalId, session)
    this.idsByProducer.set(session.producerId, transactionalId)
    this.fences.delete(transactionalId)
    if (expected === undefined) this.resumedFrom.delete(transactionalId)
    else this.resumedFrom.set(transactionalId, `${expected.producerId}:${expected.producerEpoch}`)
    return session
  }

  /** The transactional id of a producer id (this process's sessions, else the state files). */
  transactionalIdOf(producerId: number): string | undefined {
    const known = this.idsByProducer.get(producerId)
    if (known !== undefined) return known
    return this.states().find((state) => state.producerId === producerId)?.transactionalId
  }

  /** The state of every transactional id (cached until one changes). */
  states(): TxnState[] {
    return this.cache.states()
  }

  /**
   * What readers may see now. Read the partitions' end offsets BEFORE calling this: a transaction
   * it misses joined them later, so its first offset is at or above those ends.
   */
  view(): TransactionsView {
    return new TransactionsView(this.log.dir, Date.now(), () => this.cache.states())
  }

  /**
   * Before any operation of a producer: this process holds its liveness token, or another process
   * does. A producer whose token nobody holds (this server restarted under it) is taken over between
   * transactions, and fenced if it was inside one (coordinator.resumeProducer): readers already
   * count that transaction as aborted, so it must never commit.
   */
  resume(transactionalId: string, producer: {producerId: number; producerEpoch: number}): void {
    const session = this.sessions.get(transactionalId)
    if (session !== undefined && session.producerId === producer.producerId && session.producerEpoch === producer.producerEpoch && session.alive.isHeld) return
    const resumed = this.coordinator.resumeProducer(transactionalId, producer)
    if (resumed === undefined) return
    session?.alive.close()
    if (session !== undefined) this.idsByProducer.delete(session.producerId)
    this.sessions.set(transactionalId, resumed)
    this.idsByProducer.set(resumed.producerId, transactionalId)
    this.report(`transactional id '${transactionalId}': resumed producer ${resumed.producerId} epoch ${resumed.producerEpoch} (its liveness token was free)`)
  }

  addFence(transactionalId: string, group: string, fence: GroupFence): void {
    const list = this.fences.get(transactionalId) ?? []
    this.fences.set(transactionalId, [...list.filter((f) => f.group !== group), {group, fence}])
  }

  /** The fences of the transaction being ended (they end with it). */
  takeFences(transactionalId: string): Array<{group: string; fence: GroupFence}> {
    const list = this.fences.get(transactionalId) ?? []
    this.fences.delete(transactionalId)
    return list
  }

  /** Finishes decided and timed-out transactions; never throws (it runs on a timer). */
  recover(): number {
    try {
      return recoverTransactions(this.log, Date.now(), this.cache.states())
    } catch (error) {
      this.report(`transaction recovery failed: ${errorMessage(error)}`)
      return 0
    }
  }

  close(): void {
    clearInterval(this.timer)
    for (const session of this.sessions.values()) session.alive.close()
    this.sessions.clear()
    this.idsByProducer.clear()
  }
}

/**
 * The Kafka error code for a failed transaction operation. `fencedSince`: the API version from
 * which the request's clients understand PRODUCER_FENCED (older ones get INVALID_PRODUCER_EPOCH).
 */
export function txnErrorCode(error: unknown, apiVersion: number, fencedSince: number): number {
  if (isStromError(error)) {
    if (error.code === 'PRODUCER_FENCED' || error.code === 'TRANSACTION_TIMED_OUT') return apiVersion >= fencedSince ? ERR.PRODUCER_FENCED : ERR.INVALID_PRODUCER_EPOCH
    if (error.code === 'INVALID_TXN_STATE') return ERR.INVALID_TXN_STATE
    // Another producer of the id is being set up right now: retriable, as Kafka answers while it
    // completes the id's previous transaction.
    if (error.code === 'BUSY') return ERR.CONCURRENT_TRANSACTIONS
  }
  return kafkaErrorCode(error)
}
