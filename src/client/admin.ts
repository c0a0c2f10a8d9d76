/**
 * Kafka's admin requests, each sent where Kafka wants it: topic changes to any broker (KRaft
 * brokers forward them to the controller), offsets to each partition's leader, group requests to
 * the group's coordinator, ListGroups to every broker. Answers come back as plain objects; a
 * per-item error code becomes a KafkaProtocolError naming the item.
 */
import {
  AlterConfigs, CreatePartitions, CreateTopics, DeleteGroups, DeleteRecords, DeleteTopics, DescribeConfigs, DescribeGroups, ListGroups, ListOffsets, OffsetCommit, OffsetFetch,
} from '../protocol/apis/index.js'
import type {KafkaCluster, TopicMetadata} from './cluster.js'
import {KafkaProtocolError, check, coordinatorMoved, retrying} from './kafka-error.js'

/** ListOffsets' special timestamps. */
export const LATEST = -1
export const EARLIEST = -2
const TOPIC_RESOURCE = 2
/** How long an admin call is retried through leader elections and coordinator moves. */
const ADMIN_RETRY_MS = 60_000
const TOPIC_TIMEOUT_MS = 30_000

export interface ConfigEntry {
  name: string
  value: string | null
  readOnly: boolean
  isDefault: boolean
  isSensitive: boolean
}

export interface GroupMemberDescription {
  memberId: string
  clientId: string
  clientHost: string
  memberMetadata: Buffer
  memberAssignment: Buffer
}

export interface GroupDescriptionAnswer {
  groupId: string
  errorCode: number
  state: string
  protocolType: string
  protocol: string
  members: GroupMemberDescription[]
}

export class KafkaAdmin {
  constructor(readonly cluster: KafkaCluster) {}

  /** Names of every topic, Kafka's internal ones included. */
  async listTopics(): Promise<string[]> {
    return (await this.cluster.refresh(null)).filter((t) => t.errorCode === 0).map((t) => t.name)
  }

  /** Metadata of one topic, fresh; UNKNOWN_TOPIC_OR_PARTITION when it does not exist. */
  async topicMetadata(name: string): Promise<TopicMetadata> {
    const [topic] = await this.cluster.refresh([name])
    if (topic === undefined) throw new KafkaProtocolError(3, `topic '${name}'`)
    check(topic.errorCode, `topic '${name}'`)
    return topic
  }

  /**
   * The offset for `timestamp` (LATEST, EARLIEST, or a time in ms) of each partition of `topic`,
   * asked of each partition's leader; for a time: the first offset whose timestamp is at or after it
   * (-1 when there is none), with the record's timestamp. read_committed: LATEST is the last stable
   * offset (below any open transaction), where a read_committed reader's "latest" is.
   */
  async listOffsets(topic: string, timestamp: number, partitions?: number[], isolation: 'read_uncommitted' | 'read_committed' = 'read_uncommitted'): Promise<Map<number, {offset: number; timestamp: number}>> {
    return retrying(async () => {
      const metadata = await this.topicMetadata(topic)
      const wanted = partitions ?? metadata.partitions.map((p) => p.partition)
      const byLeader = this.leadersOf(topic, wanted)
      const result = new Map<number, {offset: number; timestamp: number}>()
      await Promise.all([...byLeader].map(async ([leader, list]) => {
        const connection = await this.cluster.node(leader)
        const version = connection.version(ListOffsets)
        const answer = await connection.request(ListOffsets, {
          replicaId: -1,
          isolationLevel: isolation === 'read_committed' ? 1 : 0,
          topics: [{name: topic, partitions: list.map((partitionIndex) => ({partitionIndex, timestamp}))}],
        }, {version})
        for (const t of answer.topics as Array<{partitions: Array<Record<string, unknown>>}>) {
          for (const p of t.partitions) {
            check(p.errorCode as number, `offsets of ${topic}/${p.partitionIndex}`)
            const offset = version === 0 ? ((p.oldStyleOffsets as number[])[0] ?? -1) : (p.offset as number)
            result.set(p.partitionIndex as number, {offset, timestamp: p.timestamp as number})
          }
        }
      }))
      return result
    }, {deadlineMs: ADMIN_RETRY_MS, recover: () => this.cluster.refresh([topic]).then(() => undefined)})
  }

  /** Log start and end of every partition of `topic`. */
  async topicOffsets(topic: string): Promise<Array<{partition: number; low: number; high: number}>> {
    const [low, high] = [await this.listOffsets(topic, EARLIEST), await this.listOffsets(topic, LATEST)]
    return [...high].map(([partition, h]) => ({partition, low: Math.min(low.get(partition)?.offset ?? 0, h.offset), high: h.offset})).sort((a, b) => a.partition - b.partition)
  }

  /** Creates a topic; false when it already exists. */
  async createTopic(name: string, partitions: number, replicationFactor: number, config: Record<string, string>): Promise<boolean> {
    const connection = await this.cluster.any()
    const answer = await connection.request(CreateTopics, {
      topics: [{name, numPartitions: partitions, replicationFactor, assignments: [], configs: Object.entries(config).map(([k, v]) => ({name: k, value: v}))}],
      timeoutMs: TOPIC_TIMEOUT_MS,
      validateOnly: false,
    }, {timeoutMs: TOPIC_TIMEOUT_MS + 5000})
    const result = (answer.topics as Array<Record<string, unknown>>)[0]
    if (result.errorCode === 36) return false
    check(result.errorCode as number, `creating topic '${name}'`, result.errorMessage as string | null)
    return true
  }

  async deleteTopic(name: string): Promise<void> {
    const connection = await this.cluster.any()
    const version = connection.version(DeleteTopics)
    const answer = await connection.request(DeleteTopics, {topics: [{name}], topicNames: [name], timeoutMs: TOPIC_TIMEOUT_MS}, {version, timeoutMs: TOPIC_TIMEOUT_MS + 5000})
    const result = (answer.responses as Array<Record<string, unknown>>)[0]
    check(result.errorCode as number, `deleting topic '${name}'`, result.errorMessage as string | null)
  }

  async createPartitions(name: string, count: number): Promise<void> {
    const connection = await this.cluster.any()
    const answer = await connection.request(CreatePartitions, {topics: [{name, count, assignments: null}], timeoutMs: TOPIC_TIMEOUT_MS, validateOnly: false}, {timeoutMs: TOPIC_TIMEOUT_MS + 5000})
    const result = (answer.results as Array<Record<string, unknown>>)[0]
    check(result.errorCode as number, `adding partitions to '${name}'`, result.errorMessage as string | null)
  }

  async describeTopicConfig(name: string): Promise<ConfigEntry[]> {
    const connection = await this.cluster.any()
    const version = connection.version(DescribeConfigs)
    const answer = await connection.request(DescribeConfigs, {resources: [{resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null}], includeSynonyms: false, includeDocumentation: false}, {version})
    const result = (answer.results as Array<Record<string, unknown>>)[0]
    check(result.errorCode as number, `reading the config of '${name}'`, result.errorMessage as string | null)
    // configSource (v1+): 5 = DEFAULT_CONFIG, 4 = STATIC_BROKER_CONFIG... 1 = DYNAMIC_TOPIC_CONFIG.
    return (result.configs as Array<Record<string, unknown>>).map((c) => ({
      name: c.name as string,
      value: c.value as string | null,
      readOnly: c.readOnly as boolean,
      isDefault: c.configSource !== 1,
      isSensitive: c.isSensitive as boolean,
    }))
  }

  /** AlterConfigs: replaces the topic's whole set of overrides with `config`. */
  async replaceTopicConfig(name: string, config: Record<string, string>): Promise<void> {
    const connection = await this.cluster.any()
    const answer = await connection.request(AlterConfigs, {resources: [{resourceType: TOPIC_RESOURCE, resourceName: name, configs: Object.entries(config).map(([k, v]) => ({name: k, value: v}))}], validateOnly: false})
    const result = (answer.responses as Array<Record<string, unknown>>)[0]
    check(result.errorCode as number, `changing the config of '${name}'`, result.errorMessage as string | null)
  }

  /** Moves the log start of partitions forward (kafka-delete-records), at each leader. */
  async deleteRecords(topic: string, before: Map<number, number>): Promise<Map<number, number>> {
    return retrying(async () => {
      await this.topicMetadata(topic)
      const byLeader = this.leadersOf(topic, before.keys())
      const lows = new Map<number, number>()
      await Promise.all([...byLeader].map(async ([leader, list]) => {
        const answer = await (await this.cluster.node(leader)).request(DeleteRecords, {topics: [{name: topic, partitions: list.map((partitionIndex) => ({partitionIndex, offset: before.get(partitionIndex)!}))}], timeoutMs: TOPIC_TIMEOUT_MS})
        for (const t of answer.topics as Array<{partitions: Array<Record<string, unknown>>}>) {
          for (const p of t.partitions) {
            check(p.errorCode as number, `deleting records of ${topic}/${p.partitionIndex}`)
            lows.set(p.partitionIndex as number, p.lowWatermark as number)
          }
        }
      }))
      return lows
    }, {deadlineMs: ADMIN_RETRY_MS, recover: () => this.cluster.refresh([topic]).then(() => undefined)})
  }

  /** Partitions by leader; LEADER_NOT_AVAILABLE (retriable) while one has none (an election). */
  private leadersOf(topic: string, partitions: Iterable<number>): Map<number, number[]> {
    const byLeader = this.cluster.partitionsByLeader(topic, partitions)
    const leaderless = byLeader.get(-1)
    if (leaderless !== undefined) throw new KafkaProtocolError(5, `${topic}/${leaderless[0]}`)
    return byLeader
  }

  /** Every group the cluster knows: ListGroups asked of every broker (each lists those it coordinates). */
  async listGroups(): Promise<Array<{groupId: string; protocolType: string}>> {
    await this.cluster.refresh([])
    const groups = new Map<string, string>()
    for (const id of this.cluster.brokerIds()) {
      const connection = await this.cluster.node(id)
      const answer = await connection.request(ListGroups, {statesFilter: [], typesFilter: []})
      check(answer.errorCode as number, `listing the groups of broker ${id}`)
      for (const g of answer.groups as Array<{groupId: string; protocolType: string}>) groups.set(g.groupId, g.protocolType)
    }
    return [...groups].map(([groupId, protocolType]) => ({groupId, protocolType}))
  }

  async describeGroup(group: string): Promise<GroupDescriptionAnswer> {
    const answer = await this.atCoordinator(group, (c) => c.request(DescribeGroups, {groups: [group], includeAuthorizedOperations: false}), (a) => ((a.groups as Array<Record<string, unknown>>)[0]?.errorCode as number) ?? 0)
    const g = (answer.groups as Array<Record<string, unknown>>)[0]
    return {
      groupId: g.groupId as string,
      errorCode: g.errorCode as number,
      state: g.groupState as string,
      protocolType: g.protocolType as string,
      protocol: g.protocolData as string,
      members: g.members as GroupMemberDescription[],
    }
  }

  async deleteGroup(group: string): Promise<void> {
    const answer = await this.atCoordinator(group, (c) => c.request(DeleteGroups, {groupsNames: [group]}), (a) => ((a.results as Array<Record<string, unknown>>)[0]?.errorCode as number) ?? 0)
    const result = (answer.results as Array<Record<string, unknown>>)[0]
    check(result.errorCode as number, `deleting group '${group}'`)
  }

  /**
   * Committed offsets of `group` (every partition it committed, or those of `partitions`), -1 left
   * out. `requireStable` (KIP-447): a partition whose offset a transaction has sent but not yet
   * committed or aborted fails with UNSTABLE_OFFSET_COMMIT (retriable) instead of answering the
   * older offset, so a consume-transform-produce member never starts from an offset about to move.
   */
  async committedOffsets(group: string, options: {partitions?: Array<{topic: string; partitions: number[]}>; requireStable?: boolean} = {}): Promise<Array<{topic: string; partition: number; offset: number}>> {
    const requireStable = options.requireStable ?? false
    const asked = options.partitions === undefined ? null : options.partitions.map((t) => ({name: t.topic, partitionIndexes: t.partitions}))
    const answer = await this.atCoordinator(group, (c) => {
      const version = c.version(OffsetFetch)
      if (requireStable && version < 7) throw new KafkaProtocolError(35 /* UNSUPPORTED_VERSION */, `fetching stable offsets of group '${group}' (OffsetFetch v7+)`)
      return c.request(OffsetFetch, version >= 8 ? {groups: [{groupId: group, topics: asked}], requireStable} : {groupId: group, topics: asked, requireStable}, {version}).then((a): Record<string, unknown> => ({...a, version}))
    }, (a) => (a.version as number) >= 8 ? ((a.groups as Array<Record<string, unknown>>)[0]?.errorCode as number) : (a.errorCode as number))
    const topLevel = (answer.version as number) >= 8 ? ((answer.groups as Array<Record<string, unknown>>)[0]?.errorCode as number) : (answer.errorCode as number)
    // A reader that starts from these offsets must not take an error answer for "nothing committed".
    if (requireStable) check(topLevel ?? 0, `offsets of group '${group}'`)
    const topics = (answer.version as number) >= 8 ? ((answer.groups as Array<Record<string, unknown>>)[0].topics as Array<Record<string, unknown>>) : (answer.topics as Array<Record<string, unknown>>)
    const offsets: Array<{topic: string; partition: number; offset: number}> = []
    for (const t of topics) {
      for (const p of t.partitions as Array<Record<string, unknown>>) {
        check(p.errorCode as number, `offsets of group '${group}' for ${t.name}/${p.partitionIndex}`)
        if ((p.committedOffset as number) >= 0) offsets.push({topic: t.name as string, partition: p.partitionIndex as number, offset: p.committedOffset as number})
      }
    }
    return offsets
  }

  /**
   * Commits `offsets` for `group`: outside any generation (generation -1, no member: what Kafka
   * accepts for a group without live members), or as a member of its current generation.
   */
  async commitOffsets(group: string, offsets: Array<{topic: string; partition: number; offset: number}>, member: {generationId: number; memberId: string} = {generationId: -1, memberId: ''}): Promise<void> {
    const byTopic = new Map<string, Array<{partitionIndex: number; committedOffset: number; committedMetadata: string}>>()
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), {partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: ''}])
    const answer = await this.atCoordinator(group, (c) => c.request(OffsetCommit, {
      groupId: group,
      generationId: member.generationId,
      memberId: member.memberId,
      topics: [...byTopic].map(([name, partitions]) => ({name, partitions})),
    }), (a) => firstPartitionError(a))
    const failed = firstPartitionError(answer)
    if (failed !== 0) throw new KafkaProtocolError(failed, `committing offsets of group '${group}'`)
  }

  /**
   * Sends a request to the group's coordinator, finding it again while it moves or loads (the
   * first use of __consumer_offsets on a new cluster answers COORDINATOR_NOT_AVAILABLE for a while).
   */
  async atCoordinator<T extends Record<string, unknown>>(group: string, send: (connection: Awaited<ReturnType<KafkaCluster['coordinator']>>) => Promise<T>, errorOf: (answer: T) => number, deadlineMs = ADMIN_RETRY_MS): Promise<T> {
    return retrying(async () => {
      const answer = await send(await this.cluster.coordinator(group))
      const code = errorOf(answer)
      if (code !== 0) {
        const error = new KafkaProtocolError(code, `group '${group}'`)
        if (coordinatorMoved(error)) throw error
      }
      return answer
    }, {
      deadlineMs,
      recover: async (error) => {
        if (coordinatorMoved(error) || !(error instanceof KafkaProtocolError)) this.cluster.forgetCoordinator(group)
      },
    })
  }
}

function firstPartitionError(answer: Record<string, unknown>): number {
  for (const t of (answer.topics as Array<{partitions: Array<{errorCode: number}>}>) ?? []) {
    for (const p of t.partitions) if (p.errorCode !== 0) return p.errorCode
  }
  return 0
}
