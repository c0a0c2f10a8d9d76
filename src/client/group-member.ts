/**
 * A member of a Kafka consumer group under the classic protocol (KIP-62, KIP-394):
 *
 *   FindCoordinator → JoinGroup (the first answer may be MEMBER_ID_REQUIRED: join again with the
 *   id it gives) → the leader computes the assignment with strom's own assignors → SyncGroup hands
 *   each member its partitions → Heartbeat every few seconds; an answer of REBALANCE_IN_PROGRESS
 *   (another member came or went) tells the member to commit and join again.
 *
 * The embedded "consumer" protocol (subscription and assignment bytes) is Kafka's, with the
 * protocol names the Java client and librdkafka use ("range", "roundrobin"), so strom members can
 * share a group with kcat, kafka-python or Java consumers.
 */
import {type Strategy, assign, parseTpKey} from '../core/groups/assignors.js'
import {Heartbeat, JoinGroup, LeaveGroup, SyncGroup} from '../protocol/apis/index.js'
import {decodeAssignment, decodeSubscriptionTopics, encodeAssignment, encodeSubscription} from '../protocol/consumer-protocol.js'
import type {Struct} from '../protocol/schema.js'
import type {KafkaCluster} from './cluster.js'
import type {BrokerConnection} from './connection.js'
import {KafkaProtocolError, coordinatorMoved, isRetriable, needsRejoin} from './kafka-error.js'

export interface GroupMemberOptions {
  groupId: string
  topics: string[]
  strategies: Array<Exclude<Strategy, 'sticky'>>
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  heartbeatIntervalMs: number
}

const MEMBER_ID_REQUIRED = 79

export class GroupMember {
  memberId = ''
  generationId = -1
  /** Set when the group is rebalancing (or dropped this member): commit, then join() again. */
  rejoinNeeded = false
  private heartbeatTimer: NodeJS.Timeout | undefined
  private heartbeating = false
  private left = false

  constructor(private readonly cluster: KafkaCluster, private readonly options: GroupMemberOptions) {}

  /**
   * Joins (or rejoins) the group and returns this member's partitions, topic → partitions. Throws
   * on errors a rejoin cannot cure; retriable ones (a coordinator moving, a broker down) are the
   * caller's to retry.
   */
  async join(): Promise<Map<string, number[]>> {
    this.stopHeartbeats()
    for (;;) {
      this.rejoinNeeded = false
      const coordinator = await this.coordinator()
      const joined = await this.send(coordinator, JoinGroup, {
        groupId: this.options.groupId,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: this.options.strategies.map((name) => ({name, metadata: encodeSubscription(this.options.topics)})),
        reason: null,
      }, this.options.rebalanceTimeoutMs + 30_000)
      const code = joined.errorCode as number
      if (code === MEMBER_ID_REQUIRED) {
        this.memberId = joined.memberId as string
        continue
      }
      if (code === 25 /* UNKNOWN_MEMBER_ID */) {
        this.memberId = ''
        continue
      }
      if (code === 27 /* REBALANCE_IN_PROGRESS */) continue
      this.check(code, 'joining')
      this.memberId = joined.memberId as string
      this.generationId = joined.generationId as number
      const protocol = joined.protocolName as string
      const assignments = joined.leader === this.memberId ? await this.assignAsLeader(protocol as Exclude<Strategy, 'sticky'>, joined.members as Array<{memberId: string; metadata: Buffer}>) : []
      const synced = await this.send(coordinator, SyncGroup, {
        groupId: this.options.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: protocol,
        assignments,
      }, this.options.rebalanceTimeoutMs + 30_000)
      const syncCode = synced.errorCode as number
      if (syncCode === 27 || syncCode === 22 /* ILLEGAL_GENERATION */) continue
      if (syncCode === 25) {
        this.memberId = ''
        continue
      }
      this.check(syncCode, 'syncing')
      this.startHeartbeats()
      return decodeAssignment(synced.assignment as Buffer)
    }
  }

  /** Leaves the group (LeaveGroup), so its partitions go to the others at once. Never throws. */
  async leave(): Promise<void> {
    this.stopHeartbeats()
    if (this.left || this.memberId === '') return
    this.left = true
    try {
      const coordinator = await this.coordinator()
      const version = coordinator.version(LeaveGroup)
      await coordinator.request(LeaveGroup, {groupId: this.options.groupId, memberId: this.memberId, members: [{memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is stopping'}]}, {version, timeoutMs: 5000})
    } catch {
      // The session times out on its own.
    }
  }

  /** Errors of a commit or heartbeat that mean "rejoin" set the flag; true when that happened. */
  noteError(error: unknown): boolean {
    if (needsRejoin(error)) {
      if ((error as KafkaProtocolError).type === 'UNKNOWN_MEMBER_ID') this.memberId = ''
      this.rejoinNeeded = true
      return true
    }
    if (coordinatorMoved(error) || (isRetriable(error) && !(error instanceof KafkaProtocolError))) this.cluster.forgetCoordinator(this.options.groupId)
    return false
  }

  private async assignAsLeader(protocol: Exclude<Strategy, 'sticky'>, members: Array<{memberId: string; metadata: Buffer}>): Promise<Array<{memberId: string; assignment: Buffer}>> {
    const subscriptions: Record<string, string[]> = {}
    for (const member of members) subscriptions[member.memberId] = decodeSubscriptionTopics(member.metadata)
    const topics = [...new Set(Object.values(subscriptions).flat())]
    const partitionCounts: Record<string, number> = {}
    for (const topic of await this.cluster.refresh(topics)) if (topic.errorCode === 0) partitionCounts[topic.name] = topic.partitions.length
    // A topic that does not exist (yet) gets no partitions; the others are shared as usual.
    for (const member of Object.keys(subscriptions)) subscriptions[member] = subscriptions[member].filter((t) => partitionCounts[t] !== undefined)
    const assignment = assign(protocol, {subscriptions, partitionCounts})
    return members.map(({memberId}) => {
      const byTopic = new Map<string, number[]>()
      for (const key of assignment[memberId] ?? []) {
        const {topic, partition} = parseTpKey(key)
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition])
      }
      return {memberId, assignment: encodeAssignment(byTopic)}
    })
  }

  private startHeartbeats(): void {
    this.stopHeartbeats()
    this.heartbeatTimer = setInterval(() => {
      if (this.heartbeating || this.rejoinNeeded) return
      this.heartbeating = true
      this.heartbeat().finally(() => (this.heartbeating = false))
    }, this.options.heartbeatIntervalMs)
    this.heartbeatTimer.unref()
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = undefined
  }

  private async heartbeat(): Promise<void> {
    try {
      const coordinator = await this.coordinator()
      const answer = await coordinator.request(Heartbeat, {groupId: this.options.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null}, {timeoutMs: this.options.sessionTimeoutMs})
      this.check(answer.errorCode as number, 'heartbeat')
    } catch (error) {
      // A coordinator that moved or died is found again at the next beat; the session outlives a few misses.
      this.noteError(error)
    }
  }

  private coordinator(): Promise<BrokerConnection> {
    return this.cluster.coordinator(this.options.groupId)
  }

  private async send(coordinator: BrokerConnection, api: typeof JoinGroup, body: Struct, timeoutMs: number): Promise<Struct> {
    try {
      return await coordinator.request(api, body, {timeoutMs})
    } catch (error) {
      this.noteError(error)
      throw error
    }
  }

  private check(code: number, what: string): void {
    if (code === 0) return
    const error = new KafkaProtocolError(code, `${what} group '${this.options.groupId}'`)
    this.noteError(error)
    throw error
  }
}
