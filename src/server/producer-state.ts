/**
 * Idempotent producers (InitProducerId, KIP-98), as far as one node needs them: producer ids that
 * no other serve process on the directory will hand out (random 46-bit numbers, collisions
 * negligible), and the last batch sequence appended per producer and partition, so a batch that
 * a producer retries after a lost response is acknowledged with its first offset instead of being
 * written twice. The memory is per serve process; after a restart a retried batch is appended again
 * (at-least-once), as with a Kafka broker that lost its producer state.
 */
import crypto from 'node:crypto'

interface LastBatch {
  producerEpoch: number
  baseSequence: number
  baseOffset: number
}

/** Most producers write to a few partitions; this bounds memory for clients that never stop. */
const MAX_ENTRIES = 100_000

export class ProducerState {
  private readonly last = new Map<string, LastBatch>()

  newProducerId(): number {
    return crypto.randomInt(1, 2 ** 46)
  }

  /** The base offset a duplicate of the last batch got, or undefined when the batch is new. */
  duplicateOf(partitionKey: string, producerId: number, producerEpoch: number, baseSequence: number): number | undefined {
    if (producerId < 0 || baseSequence < 0) return undefined
    const last = this.last.get(`${partitionKey}\0${producerId}`)
    if (last === undefined || last.producerEpoch !== producerEpoch || last.baseSequence !== baseSequence) return undefined
    return last.baseOffset
  }

  record(partitionKey: string, producerId: number, producerEpoch: number, baseSequence: number, baseOffset: number): void {
    if (producerId < 0 || baseSequence < 0) return
    const key = `${partitionKey}\0${producerId}`
    this.last.delete(key)
    if (this.last.size >= MAX_ENTRIES) this.last.delete(this.last.keys().next().value as string)
    this.last.set(key, {producerEpoch, baseSequence, baseOffset})
  }
}
