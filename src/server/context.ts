/**
 * What every handler shares: the log directory, open topics, change notification for long polls,
 * producer state, the group coordinator, and how this node describes itself in Metadata and
 * FindCoordinator (one node, id 0, reachable at the advertised address).
 */
import type {Log} from '../core/log.js'
import type {UserTable} from './auth/users-file.js'
import type {GroupCoordinator} from './group-coordinator.js'
import {PartitionWatch} from './partition-watch.js'
import {ProducerState} from './producer-state.js'
import {TopicCache} from './topic-cache.js'

export const NODE_ID = 0

export interface ServerOptions {
  /** Host and port clients are told to connect to. */
  advertisedHost: string
  advertisedPort: number
  /** Create topics named in Metadata requests (Kafka's auto.create.topics.enable). */
  autoCreateTopics: boolean
  /** Partitions of an auto-created topic (Kafka's num.partitions). */
  defaultPartitions: number
  /** fdatasync every produced batch before acknowledging it. */
  sync: boolean
  /** Largest request accepted; bigger frames are refused before they are read. */
  maxRequestBytes: number
  /** SASL/PLAIN users; undefined: no authentication. */
  users?: UserTable
  /** Diagnostics (stderr by default). */
  log: (message: string) => void
}

export class ServerContext {
  readonly topics: TopicCache
  readonly watch = new PartitionWatch()
  readonly producers = new ProducerState()
  groups!: GroupCoordinator
  readonly clusterId = 'strom'

  constructor(readonly log: Log, readonly options: ServerOptions) {
    this.topics = new TopicCache(log)
  }

  close(): void {
    this.watch.close()
    this.topics.close()
  }
}
