/**
 * A view of a Kafka cluster: the brokers and the partition leaders from Metadata, one connection
 * per broker (opened on first use, opened again after it breaks), and group coordinators from
 * FindCoordinator. Everything above (admin calls, the producer, readers, group members) asks this
 * for "the leader of t/p" or "the coordinator of g" and refreshes it when an answer says it moved.
 */
import type tls from 'node:tls'
import {FindCoordinator, Metadata} from '../protocol/apis/index.js'
import {BrokerConnection} from './connection.js'
import {KafkaConnectionError, KafkaProtocolError, check} from './kafka-error.js'
import type {SaslCredentials} from './sasl.js'

export interface ClusterOptions {
  /** Bootstrap addresses, HOST:PORT ([v6]:PORT for IPv6). */
  brokers: string[]
  clientId: string
  tls?: tls.ConnectionOptions
  sasl?: SaslCredentials
  connectTimeoutMs?: number
  requestTimeoutMs?: number
}

export interface PartitionMetadata {
  partition: number
  errorCode: number
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
}

export interface TopicMetadata {
  name: string
  errorCode: number
  isInternal: boolean
  partitions: PartitionMetadata[]
}

interface BrokerAddress {
  host: string
  port: number
}

export function parseAddress(address: string): BrokerAddress {
  const at = address.lastIndexOf(':')
  return {host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1))}
}

export class KafkaCluster {
  clusterId: string | null = null
  controllerId = -1
  private readonly brokers = new Map<number, BrokerAddress>()
  private readonly connections = new Map<string, Promise<BrokerConnection>>()
  private readonly topics = new Map<string, TopicMetadata>()
  private readonly coordinators = new Map<string, number>()
  private closed = false

  constructor(readonly options: ClusterOptions) {}

  /** Any broker that answers: the known ones first, then the bootstrap list. */
  async any(): Promise<BrokerConnection> {
    for (const connection of this.connections.values()) {
      const open = await connection.catch(() => undefined)
      if (open !== undefined && !open.closed) return open
    }
    const candidates = [...[...this.brokers.values()].map((b) => `${b.host}:${b.port}`), ...this.options.brokers]
    let last: unknown
    for (const address of new Set(candidates)) {
      try {
        return await this.connect(address)
      } catch (error) {
        last = error
        // A login refused or a version mismatch is the same on every broker: say it now.
        if (error instanceof KafkaProtocolError) throw error
      }
    }
    throw last ?? new KafkaConnectionError('no broker to connect to', this.options.brokers.join(','))
  }

  /** The connection to broker `nodeId` (from the latest metadata). */
  async node(nodeId: number): Promise<BrokerConnection> {
    let address = this.brokers.get(nodeId)
    if (address === undefined) {
      await this.refresh([...this.topics.keys()])
      address = this.brokers.get(nodeId)
    }
    if (address === undefined) throw new KafkaConnectionError(`broker ${nodeId} is not in the cluster's metadata`, `node ${nodeId}`)
    return this.connect(`${address.host}:${address.port}`)
  }

  /**
   * Metadata for `topics` (null: every topic); what it says replaces what was known of them. Topics
   * that do not exist come back with UNKNOWN_TOPIC_OR_PARTITION, never auto-created.
   */
  async refresh(topics: string[] | null): Promise<TopicMetadata[]> {
    const connection = await this.any()
    const version = connection.version(Metadata)
    const answer = await connection.request(Metadata, {
      topics: topics === null ? (version === 0 ? [] : null) : topics.map((name) => ({name})),
      allowAutoTopicCreation: false,
    }, {version})
    this.clusterId = (answer.clusterId as string | null) ?? null
    this.controllerId = answer.controllerId as number
    for (const b of answer.brokers as Array<{nodeId: number; host: string; port: number}>) this.brokers.set(b.nodeId, {host: b.host, port: b.port})
    const result: TopicMetadata[] = []
    for (const t of answer.topics as Array<Record<string, unknown>>) {
      const topic: TopicMetadata = {
        name: t.name as string,
        errorCode: t.errorCode as number,
        isInternal: t.isInternal as boolean,
        partitions: (t.partitions as Array<Record<string, unknown>>)
          .map((p) => ({
            partition: p.partitionIndex as number,
            errorCode: p.errorCode as number,
            leader: p.leaderId as number,
            leaderEpoch: p.leaderEpoch as number,
            replicas: p.replicaNodes as number[],
            isr: p.isrNodes as number[],
          }))
          .sort((a, b) => a.partition - b.partition),
      }
      if (topic.errorCode === 0) this.topics.set(topic.name, topic)
      else this.topics.delete(topic.name)
      result.push(topic)
    }
    return result
  }

  /** What the latest metadata says of `topic`, fetching it once if nothing is known. */
  async topic(name: string): Promise<TopicMetadata> {
    const known = this.topics.get(name)
    if (known !== undefined) return known
    const [topic] = await this.refresh([name])
    check(topic?.errorCode ?? 3, `topic '${name}'`)
    return topic
  }

  /** The leader of topic/partition in the latest metadata, -1 when it has none (an election). */
  leader(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions.find((p) => p.partition === partition)?.leader ?? -1
  }

  /** `partitions` of `topic` grouped by their leader in the latest metadata (-1: no leader now). */
  partitionsByLeader(topic: string, partitions: Iterable<number>): Map<number, number[]> {
    const byLeader = new Map<number, number[]>()
    for (const partition of partitions) {
      const leader = this.leader(topic, partition)
      const list = byLeader.get(leader)
      if (list === undefined) byLeader.set(leader, [partition])
      else list.push(partition)
    }
    return byLeader
  }

  /** The coordinator of `group` (keyType 0) or of a transactional id (keyType 1). */
  async coordinator(key: string, keyType = 0): Promise<BrokerConnection> {
    const cacheKey = `${keyType}:${key}`
    const known = this.coordinators.get(cacheKey)
    if (known !== undefined) {
      try {
        return await this.node(known)
      } catch (error) {
        this.coordinators.delete(cacheKey)
        throw error
      }
    }
    const connection = await this.any()
    const version = connection.version(FindCoordinator)
    const answer = await connection.request(FindCoordinator, version >= 4 ? {keyType, coordinatorKeys: [key]} : {key, keyType}, {version})
    const found = version >= 4 ? (answer.coordinators as Array<Record<string, unknown>>)[0] : answer
    check(found.errorCode as number, `finding the coordinator of '${key}'`, found.errorMessage as string | null)
    const nodeId = found.nodeId as number
    this.brokers.set(nodeId, {host: found.host as string, port: found.port as number})
    this.coordinators.set(cacheKey, nodeId)
    return this.node(nodeId)
  }

  /** Forget a coordinator that said it is not (or no longer) one. */
  forgetCoordinator(key: string, keyType = 0): void {
    this.coordinators.delete(`${keyType}:${key}`)
  }

  /** Every broker the metadata knows (ListGroups must ask each one). */
  brokerIds(): number[] {
    return [...this.brokers.keys()].sort((a, b) => a - b)
  }

  close(): void {
    this.closed = true
    for (const connection of this.connections.values()) connection.then((c) => c.close(), () => undefined)
    this.connections.clear()
  }

  private connect(address: string): Promise<BrokerConnection> {
    if (this.closed) return Promise.reject(new KafkaConnectionError('the client is closed', address))
    const existing = this.connections.get(address)
    if (existing !== undefined) {
      return existing.then((connection) => {
        if (!connection.closed) return connection
        if (this.connections.get(address) === existing) this.connections.delete(address)
        return this.connect(address)
      }, () => {
        if (this.connections.get(address) === existing) this.connections.delete(address)
        return this.openNew(address)
      })
    }
    return this.openNew(address)
  }

  private openNew(address: string): Promise<BrokerConnection> {
    const {host, port} = parseAddress(address)
    const opening = BrokerConnection.open({
      host,
      port,
      clientId: this.options.clientId,
      tls: this.options.tls,
      sasl: this.options.sasl,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 3000,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 30_000,
    })
    this.connections.set(address, opening)
    // A failed attempt is not cached: the next call tries again.
    opening.catch(() => {
      if (this.connections.get(address) === opening) this.connections.delete(address)
    })
    return opening
  }
}
