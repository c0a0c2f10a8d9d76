/**
 * What every handler shares: the log directory, open topics, change notification for long polls,
 * producer state, the group and transaction coordinators, and how this node describes itself in Metadata and
 * FindCoordinator (one node, id 0, reachable at the advertised address).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import type {Log} from '../core/log.js'
import type {UserTable} from './auth/users-file.js'
import type {GroupCoordinator} from './group-coordinator.js'
import {PartitionWatch} from './partition-watch.js'
import {ProducerState} from './producer-state.js'
import {RequestMemory} from './request-memory.js'
import {TopicCache} from './topic-cache.js'
import {ServeTransactions} from './transactions.js'

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
  /** How long a JoinGroup into an empty group waits for other members (Kafka's group.initial.rebalance.delay.ms); default 300. */
  groupInitialRebalanceDelayMs?: number
  /** Largest request accepted; bigger frames are refused before they are read. */
  maxRequestBytes: number
  /** Server-wide cap on bytes of requests being received or handled (RequestMemory). */
  maxPendingRequestBytes: number
  /** SASL/PLAIN users; undefined: no authentication. */
  users?: UserTable
  /** Diagnostics (stderr by default). */
  log: (message: string) => void
}

export class ServerContext {
  readonly topics: TopicCache
  readonly watch = new PartitionWatch()
  readonly producers = new ProducerState()
  readonly requestMemory: RequestMemory
  groups!: GroupCoordinator
  readonly transactions: ServeTransactions
  /**
   * One id per log directory (what Metadata v2+ reports): every `strom serve` of one directory is
   * one cluster, and two directories are two clusters, as tools that compare cluster ids expect
   * (`strom mirror` refuses to copy a cluster into itself).
   */
  readonly clusterId: string

  constructor(readonly log: Log, readonly options: ServerOptions) {
    this.topics = new TopicCache(log)
    this.requestMemory = new RequestMemory(options.maxPendingRequestBytes)
    this.transactions = new ServeTransactions(log, options.log)
    this.clusterId = `strom-${crypto.createHash('sha256').update(fs.realpathSync(log.dir)).digest('base64url').slice(0, 16)}`
  }

  close(): void {
    this.transactions.close()
    this.watch.close()
    this.topics.close()
  }
}
