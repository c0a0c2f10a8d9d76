/**
 * Choosing a partition. Keyed records go where Kafka's default partitioner puts them
 * (murmur2 of the key bytes, made positive, modulo the partition count), so a key lands in the
 * same partition number as on a Kafka cluster with the same count. Unkeyed records use one of:
 *   sticky       (Kafka's default since 2.4) the same partition for a whole batch, then another
 *   round-robin  each record to the next partition
 *   random       each record to a random partition
 */
import {partitionForKey} from './murmur2.js'

export const PARTITIONERS = ['sticky', 'round-robin', 'random'] as const
export type PartitionerName = (typeof PARTITIONERS)[number]

export class Partitioner {
  private sticky: number
  private next = 0

  constructor(readonly partitions: number, readonly strategy: PartitionerName = 'sticky') {
    this.sticky = Math.floor(Math.random() * partitions)
  }

  /** Partition for a record; null key means unkeyed. */
  partition(key: Uint8Array | null): number {
    if (key !== null) return partitionForKey(key, this.partitions)
    switch (this.strategy) {
      case 'sticky':
        return this.sticky
      case 'round-robin': {
        const chosen = this.next
        this.next = (this.next + 1) % this.partitions
        return chosen
      }
      case 'random':
        return Math.floor(Math.random() * this.partitions)
    }
  }

  /** A batch for the sticky partition was sent: stick to a different one next (as Kafka does). */
  onBatchSent(partition: number): void {
    if (this.strategy !== 'sticky' || partition !== this.sticky || this.partitions === 1) return
    const step = 1 + Math.floor(Math.random() * (this.partitions - 1))
    this.sticky = (this.sticky + step) % this.partitions
  }
}
