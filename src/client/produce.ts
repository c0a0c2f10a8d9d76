/**
 * Sending ready-made RecordBatches of one topic to their partition leaders: one Produce request per
 * leader, retried (after a metadata refresh) while the errors are retriable, until a delivery
 * deadline. Used by the Kafka sink (plain producing) and by the transactional producer (the same
 * requests with a transactional id, the batches stamped with producer id, epoch and sequence).
 */
import {Produce} from '../protocol/apis/index.js'
import type {KafkaCluster} from './cluster.js'
import type {BrokerConnection} from './connection.js'
import {KafkaProtocolError, isRetriable} from './kafka-error.js'

/**
 * Leadership moved, a broker died or metadata was stale: refresh and send again until this long
 * after the first try (the Java producer's delivery.timeout.ms is 120 s). A broker that dies is
 * noticed by the controller only after its session times out (9 s by default) and a new leader is
 * elected after that, so a handful of quick retries is not enough.
 */
export const DELIVERY_TIMEOUT_MS = 120_000
const MAX_BACKOFF_MS = 1000
const LEADER_NOT_AVAILABLE = 5

export interface ProduceOptions {
  /** -1 all in-sync replicas, 1 the leader, 0 no answer at all. */
  acks: number
  /** Set for the batches of a transaction (the broker checks it against the producer id). */
  transactionalId?: string | null
  deliveryTimeoutMs?: number
  /** Throws when this broker cannot take the batches at the version it speaks (zstd before v7). */
  checkVersion?: (version: number, broker: BrokerConnection) => void
}

/**
 * Sends `batches` (partition → batch bytes) of `topic` and resolves with each partition's base
 * offset once all are acknowledged (-1 with acks=0). Only the partitions that failed are sent again:
 * one that succeeded in the same request is never written twice (and an idempotent batch sent twice
 * is recognised by its sequence number and acknowledged with its first offset).
 */
export async function produceBatches(cluster: KafkaCluster, topic: string, batches: Map<number, Buffer>, options: ProduceOptions): Promise<Map<number, number>> {
  const offsets = new Map<number, number>()
  let remaining = batches
  const deadline = Date.now() + (options.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS)
  for (let attempt = 0; ; attempt++) {
    const byLeader = cluster.partitionsByLeader(topic, remaining.keys())
    const failed = new Map<number, Buffer>()
    let lastError: unknown
    // A non-retriable error anywhere ends the send, whichever partition failed last.
    let fatal: unknown
    const fail = (error: unknown, partitions: number[]) => {
      lastError = error
      if (!isRetriable(error)) fatal ??= error
      for (const partition of partitions) failed.set(partition, remaining.get(partition)!)
    }
    await Promise.all([...byLeader].map(async ([leader, partitions]) => {
      try {
        if (leader < 0) throw new KafkaProtocolError(LEADER_NOT_AVAILABLE, `producing to '${topic}'`)
        const broker = await cluster.node(leader)
        const version = broker.version(Produce)
        options.checkVersion?.(version, broker)
        const answer = await broker.request(Produce, {
          transactionalId: options.transactionalId ?? null,
          acks: options.acks,
          timeoutMs: 30_000,
          topicData: [{name: topic, partitionData: partitions.map((index) => ({index, records: remaining.get(index)!}))}],
        }, {version, expectResponse: options.acks !== 0})
        if (options.acks === 0) for (const partition of partitions) offsets.set(partition, -1)
        for (const t of (answer.responses as Array<{partitionResponses: Array<{index: number; errorCode: number; baseOffset: number; errorMessage?: string | null}>}>) ?? []) {
          for (const p of t.partitionResponses) {
            if (p.errorCode === 0) offsets.set(p.index, p.baseOffset)
            else fail(new KafkaProtocolError(p.errorCode, `producing to ${topic}/${p.index}`, p.errorMessage), [p.index])
          }
        }
      } catch (error) {
        fail(error, partitions)
      }
    }))
    if (failed.size === 0) return offsets
    if (fatal !== undefined) throw fatal
    if (Date.now() >= deadline) throw lastError
    await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 100 * (attempt + 1))))
    // The refresh itself can fail while the cluster elects new leaders: the next round retries it.
    await cluster.refresh([topic]).catch(() => undefined)
    remaining = failed
  }
}
