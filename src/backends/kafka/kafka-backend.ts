/**
 * An Apache Kafka cluster behind the Backend interface, through kafkajs (see client.ts for why that
 * library and how it is used). Admin operations go through its Admin client, producing through its
 * Producer with strom's partitioner, group reads through its Consumer, and group-less reads through
 * its Cluster (kafka-reader.ts).
 */
import dns from 'node:dns/promises'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Admin, Kafka} from 'kafkajs'
import {createRequire} from 'node:module'
import {StromError} from '../../core/errors.js'
import {compareTpKeys, tpKey} from '../../core/groups/assignors.js'
import type {GroupDescription, GroupPartitionView, GroupStateName} from '../../core/groups/group-admin.js'
import type {OffsetsByTopic} from '../../core/groups/group-store.js'
import {planResetWith, resetKeys} from '../../core/groups/offsets-reset.js'
import {writeJsonAtomic} from '../../core/io/atomic-file.js'
import {validateName, validateTopicName} from '../../core/names.js'
import type {PartitionBounds, RangeSpec} from '../../core/offset-spec.js'
import type {
  Backend, CommittedOffset, CreateTopicOptions, GroupReadOptions, GroupSummary, PlannedReset, ReadOptions, ReadSelection, RecordSource, ResetScope, ResetSpec, SinkOptions, TopicDescription, TopicSummary,
} from '../backend.js'
import {KafkaTarget, createCluster, createKafka, translateKafkaError} from './client.js'
import {strategyAssigner} from './kafka-assigners.js'
import {KafkaGroupReader} from './kafka-group-reader.js'
import {KafkaReader, ResolvedPartition, fetchBounds, resolveRange} from './kafka-reader.js'
import {KafkaSink, isRetriableSendError} from './kafka-sink.js'
import {KafkaStatsSource} from './kafka-stats.js'

const require = createRequire(import.meta.url)
const {AssignerProtocol, ConfigResourceTypes} = require('kafkajs') as typeof import('kafkajs')

/** How long a rebalance may wait for the group's members to rejoin. */
const GROUP_REBALANCE_MS = 30_000
/** How long a new topic's partitions may take to get leaders on a cluster. */
const LEADER_WAIT_MS = 60_000

/** Kafka's own topics (consumer offsets, transactions) are not the user's data. */
const isInternalTopic = (name: string) => name.startsWith('__')

export class KafkaBackend implements Backend {
  readonly kind = 'kafka' as const
  readonly label: string

  private constructor(private readonly target: KafkaTarget, private readonly kafka: Kafka, private readonly admin: Admin, private readonly onWarning: (message: string) => void) {
    this.label = `kafka://${target.brokers.join(',')}`
  }

  static async connect(target: KafkaTarget, onWarning: (message: string) => void): Promise<KafkaBackend> {
    const kafka = createKafka(target)
    const admin = kafka.admin()
    try {
      await admin.connect()
    } catch (error) {
      throw translateKafkaError(error, 'connecting', target.brokers)
    }
    return new KafkaBackend(target, kafka, admin, onWarning)
  }

  async listTopics(): Promise<TopicSummary[]> {
    return (await this.topicOffsets()).map(({topic, partitions}) => ({
      topic,
      partitions: partitions.length,
      messages: partitions.reduce((sum, p) => sum + Math.max(0, p.endOffset - p.logStartOffset), 0),
      sizeBytes: null,
    }))
  }

  /** Every topic (Kafka's internal ones left out) with its partitions' log start and end, sorted. */
  async topicOffsets(): Promise<Array<{topic: string; partitions: Array<{partition: number; logStartOffset: number; endOffset: number}>}>> {
    return this.call('listing topics', async () => {
      const names = (await this.admin.listTopics()).filter((n) => !isInternalTopic(n)).sort()
      const topics = []
      for (const topic of names) {
        const offsets = await this.admin.fetchTopicOffsets(topic)
        const partitions = offsets.map((o) => ({partition: o.partition, logStartOffset: Math.min(Number(o.low), Number(o.high)), endOffset: Number(o.high)}))
        topics.push({topic, partitions: partitions.sort((a, b) => a.partition - b.partition)})
      }
      return topics
    })
  }

  async topicExists(name: string): Promise<boolean> {
    validateTopicName(name)
    return this.call('looking up the topic', async () => (await this.admin.listTopics()).includes(name))
  }

  async topicPartitions(name: string): Promise<number> {
    if (!(await this.topicExists(name))) throw this.unknownTopic(name)
    return this.call(`reading topic '${name}'`, async () => {
      const metadata = await this.admin.fetchTopicMetadata({topics: [name]})
      return metadata.topics[0].partitions.length
    })
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    if (!(await this.topicExists(name))) throw this.unknownTopic(name)
    return this.call(`describing topic '${name}'`, async () => {
      const metadata = (await this.admin.fetchTopicMetadata({topics: [name]})).topics[0]
      const offsets = await this.admin.fetchTopicOffsets(name)
      const partitions = metadata.partitions
        .map((p) => {
          const o = offsets.find((x) => x.partition === p.partitionId)
          return {partition: p.partitionId, logStartOffset: Number(o?.low ?? 0), endOffset: Number(o?.high ?? 0), sizeBytes: null, segments: null, leader: p.leader, replicas: p.replicas, isr: p.isr}
        })
        .sort((a, b) => a.partition - b.partition)
      const described = await this.admin.describeConfigs({resources: [{type: ConfigResourceTypes.TOPIC, name}], includeSynonyms: false})
      const config = (described.resources[0]?.configEntries ?? [])
        .filter((c) => !c.isSensitive)
        .map((c) => ({name: c.configName, value: c.configValue ?? '', source: c.isDefault ? 'default' : 'topic'}))
        .sort((a, b) => a.name.localeCompare(b.name))
      return {topic: name, partitions, config, replicationFactor: metadata.partitions[0]?.replicas.length ?? 0, holds: []}
    })
  }

  async createTopic(name: string, options: CreateTopicOptions): Promise<{partitions: number; config: Record<string, string>}> {
    validateTopicName(name)
    if (!Number.isInteger(options.partitions) || options.partitions < 1) throw new StromError('INVALID_ARGUMENT', `invalid partition count ${options.partitions}`, {hint: 'give --partitions N with N ≥ 1'})
    const created = await this.call(`creating topic '${name}'`, () =>
      this.admin.createTopics({
        waitForLeaders: false,
        topics: [{topic: name, numPartitions: options.partitions, replicationFactor: options.replicationFactor ?? -1, configEntries: Object.entries(options.config).map(([k, v]) => ({name: k, value: v}))}],
      }),
    )
    if (!created) throw new StromError('TOPIC_EXISTS', `topic '${name}' already exists on ${this.label}`, {hint: 'use --if-not-exists to accept an existing topic'})
    await this.call(`waiting for the leaders of '${name}'`, () => this.waitForLeaders(name, options.partitions))
    return {partitions: options.partitions, config: options.config}
  }

  /**
   * A new topic is usable once every partition has a leader. On a cluster the metadata reaches the
   * brokers a moment after CreateTopics answers (longer on a loaded machine): until then they answer
   * UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE, which are waited out here, not reported.
   */
  private async waitForLeaders(name: string, partitions: number): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS
    for (;;) {
      try {
        const {topics} = await this.admin.fetchTopicMetadata({topics: [name]})
        const found = topics.find((t) => t.name === name)?.partitions ?? []
        if (found.length >= partitions && found.every((p) => p.leader >= 0)) return
      } catch (error) {
        if (!isRetriableSendError(error) || Date.now() >= deadline) throw error
      }
      if (Date.now() >= deadline) throw new StromError('UNAVAILABLE', `topic '${name}' was created but its partitions have no leader after ${LEADER_WAIT_MS / 1000} s`, {hint: 'check the brokers: `strom topic describe ' + name + '` shows leaders and replicas'})
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  async alterTopic(name: string, change: {partitions?: number; config: Record<string, string>}): Promise<{partitions: number; config: Record<string, string>}> {
    const current = await this.topicPartitions(name)
    if (change.partitions !== undefined) {
      if (change.partitions < current) throw new StromError('INVALID_ARGUMENT', `topic '${name}' has ${current} partitions; partitions can only be added`, {hint: `give --partitions ${current + 1} or more`})
      if (change.partitions > current) await this.call(`adding partitions to '${name}'`, () => this.admin.createPartitions({topicPartitions: [{topic: name, count: change.partitions!}]}))
    }
    const config = await this.topicOverrides(name)
    if (Object.keys(change.config).length > 0) {
      // AlterConfigs replaces a topic's whole set of overrides: send the current ones with the change.
      for (const [key, value] of Object.entries(change.config)) {
        if (value === '') delete config[key]
        else config[key] = value
      }
      await this.call(`changing the config of '${name}'`, () =>
        this.admin.alterConfigs({validateOnly: false, resources: [{type: ConfigResourceTypes.TOPIC, name, configEntries: Object.entries(config).map(([k, v]) => ({name: k, value: v}))}]}),
      )
    }
    return {partitions: Math.max(current, change.partitions ?? current), config}
  }

  async deleteTopic(name: string): Promise<void> {
    if (!(await this.topicExists(name))) throw this.unknownTopic(name)
    await this.call(`deleting topic '${name}'`, () => this.admin.deleteTopics({topics: [name]}))
  }

  async openSink(topic: string, options: SinkOptions): Promise<KafkaSink> {
    if (options.sync) {
      throw new StromError('UNSUPPORTED', '--sync applies to a log directory only: a Kafka cluster acknowledges a produce with acks=all once its in-sync replicas have it', {hint: 'drop --sync'})
    }
    if (!(await this.topicExists(topic))) {
      if (options.createPartitions === undefined) throw this.unknownTopic(topic)
      try {
        await this.createTopic(topic, {partitions: options.createPartitions, config: {}})
      } catch (error) {
        // Another producer created it first: fine.
        if (!(error instanceof StromError && error.code === 'TOPIC_EXISTS')) throw error
      }
    }
    const partitions = await this.topicPartitions(topic)
    // Ordered sinks also keep each connection to one request in flight, so a retry cannot reorder batches.
    const cluster = createCluster(this.target, {maxInFlightRequests: options.ordered ? 1 : undefined})
    await this.call('connecting the producer', async () => {
      await cluster.connect()
      await cluster.addTargetTopic(topic)
    })
    return new KafkaSink(cluster, topic, partitions, options, (error) => translateKafkaError(error, `producing to '${topic}'`, this.target.brokers))
  }

  async openReader(selection: ReadSelection[], options: ReadOptions): Promise<RecordSource> {
    if (options.merge !== undefined) throw new StromError('UNSUPPORTED', '--merge time works on a log directory only', {hint: 'drop --merge, or mirror the topics into a directory first'})
    if (options.onCorrupt !== undefined) throw new StromError('UNSUPPORTED', '--skip-corrupt applies to a log directory only: a Kafka broker does not serve damaged batches')
    const partitions: ResolvedPartition[] = []
    for (const {topic, partitions: chosen} of selection) {
      const count = await this.topicPartitions(topic)
      const bounds = await this.call(`reading offsets of '${topic}'`, () => fetchBounds(this.admin, topic, options.range))
      for (const partition of chosen ?? [...Array(count).keys()]) {
        if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
          throw new StromError('UNKNOWN_PARTITION', `topic '${topic}' has no partition ${partition} (it has ${count}: 0..${count - 1})`)
        }
        partitions.push({topic, partition, ...resolveRange(bounds.get(partition)!, options.range, options.follow)})
      }
    }
    const cluster = createCluster(this.target)
    await this.call('connecting', () => cluster.connect())
    const recover = async (topic: string, partition: number) => {
      const offsets = await this.admin.fetchTopicOffsets(topic)
      return Number(offsets.find((o) => o.partition === partition)?.low ?? 0)
    }
    return new KafkaReader(cluster, partitions, options, recover, this.onWarning, (error) => translateKafkaError(error, 'consuming', this.target.brokers))
  }

  async openGroupReader(group: string, options: GroupReadOptions): Promise<RecordSource> {
    validateName('group', group)
    if (options.strategy === 'sticky') {
      throw new StromError('UNSUPPORTED', 'the sticky strategy is strom\'s own and works on a log directory only', {hint: 'use --strategy range or --strategy roundrobin on Kafka (the protocol names kcat and Java clients use)'})
    }
    if (options.onCorrupt !== undefined) throw new StromError('UNSUPPORTED', '--skip-corrupt applies to a log directory only')
    for (const topic of options.topics) if (!(await this.topicExists(topic))) throw this.unknownTopic(topic)
    if (options.pattern !== undefined) options.onWarning('on Kafka, --pattern matches the topics that exist when the member joins; topics created later are picked up after a restart')
    const assigners = options.strategy === undefined ? [strategyAssigner('range'), strategyAssigner('roundrobin')] : [strategyAssigner(options.strategy)]
    // A JoinGroup is answered only once every member has rejoined, which may take up to the
    // rebalance timeout: the group's client waits longer than the 15 s other requests get.
    const groupClient = createKafka(this.target, {requestTimeout: GROUP_REBALANCE_MS + 30_000})
    const consumer = groupClient.consumer({
      groupId: group,
      partitionAssigners: assigners,
      sessionTimeout: 10_000,
      rebalanceTimeout: GROUP_REBALANCE_MS,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.follow ? 500 : 100,
    })
    const admin = this.kafka.admin()
    await this.call('connecting', () => admin.connect())
    return new KafkaGroupReader(consumer, admin, group, options, (error) => translateKafkaError(error, `consuming as group '${group}'`, this.target.brokers))
  }

  async listGroups(): Promise<GroupSummary[]> {
    return this.call('listing groups', async () => {
      const {groups} = await this.admin.listGroups()
      const ids = groups.map((g) => g.groupId).sort()
      if (ids.length === 0) return []
      const described = await this.admin.describeGroups(ids)
      return described.groups
        .map((g) => ({group: g.groupId, state: stateName(g.state), members: g.members.length, protocol: g.protocol || null}))
        .sort((a, b) => a.group.localeCompare(b.group))
    })
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    validateName('group', group)
    return this.call(`describing group '${group}'`, async () => {
      const described = (await this.admin.describeGroups([group])).groups[0]
      const offsets = await this.committedOffsets(group)
      if ((described === undefined || described.state === 'Dead') && offsets.length === 0) {
        throw new StromError('UNKNOWN_GROUP', `group '${group}' does not exist on ${this.label}`, {hint: 'list groups with `strom group list`'})
      }
      const members = (described?.members ?? []).map((m) => {
        const assignment: string[] = []
        if (m.memberAssignment.length > 0) {
          const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
          for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) for (const p of partitions) assignment.push(tpKey(topic, p))
        }
        return {id: m.memberId, pid: 0, host: m.clientHost.replace(/^\//, ''), since: '', clientId: m.clientId, assignment: assignment.sort(compareTpKeys)}
      })
      const owners = new Map<string, string>()
      for (const m of members) for (const key of m.assignment) owners.set(key, m.id)
      const keys = new Set([...offsets.map((o) => tpKey(o.topic, o.partition)), ...owners.keys()])
      const ends = new Map<string, {low: number; high: number}>()
      for (const topic of new Set([...keys].map((k) => k.slice(0, k.lastIndexOf(':'))))) {
        try {
          for (const o of await this.admin.fetchTopicOffsets(topic)) ends.set(tpKey(topic, o.partition), {low: Number(o.low), high: Number(o.high)})
        } catch {
          // A topic deleted since the commit: its partitions are left out, as on a log directory.
        }
      }
      const partitions: GroupPartitionView[] = []
      for (const key of [...keys].sort(compareTpKeys)) {
        const position = ends.get(key)
        if (position === undefined) continue
        const at = key.lastIndexOf(':')
        const committed = offsets.find((o) => tpKey(o.topic, o.partition) === key)?.offset ?? null
        partitions.push({
          topic: key.slice(0, at),
          partition: Number(key.slice(at + 1)),
          committed,
          logStart: position.low,
          end: position.high,
          lag: committed === null ? null : Math.max(0, position.high - Math.max(committed, position.low)),
          owner: owners.get(key) ?? null,
          metadata: '',
          commitTimestamp: null,
        })
      }
      return {
        group,
        state: members.length === 0 ? (offsets.length === 0 ? 'Dead' : 'Empty') : stateName(described!.state),
        protocol: described?.protocol || null,
        generation: -1,
        members,
        partitions,
        totalLag: partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0),
      }
    })
  }

  async deleteGroup(group: string): Promise<void> {
    const described = await this.describeGroup(group)
    if (described.members.length > 0) {
      throw new StromError('GROUP_NOT_EMPTY', `group '${group}' has ${described.members.length} live member${described.members.length === 1 ? '' : 's'}: ${described.members.map((m) => `${m.id} (${m.clientId ?? 'client'} at ${m.host})`).join(', ')}`, {
        hint: 'stop its consumers first (Ctrl-C or SIGTERM), then delete it',
      })
    }
    await this.call(`deleting group '${group}'`, () => this.admin.deleteGroups([group]))
  }

  async committedOffsets(group: string): Promise<CommittedOffset[]> {
    validateName('group', group)
    return this.call(`reading the offsets of group '${group}'`, async () => {
      const topics = (await this.admin.listTopics()).filter((n) => !isInternalTopic(n))
      if (topics.length === 0) return []
      const fetched = await this.admin.fetchOffsets({groupId: group, topics})
      return fetched.flatMap((t) => t.partitions.filter((p) => Number(p.offset) >= 0).map((p) => ({topic: t.topic, partition: p.partition, offset: Number(p.offset)})))
    })
  }

  /**
   * Sets a group's offsets with one OffsetCommit to its coordinator, without a generation or member
   * (what Kafka accepts for a group with no live members). kafkajs' admin.setOffsets would join the
   * group with a consumer first: about 5 s per topic.
   */
  async commitOffsets(group: string, offsets: CommittedOffset[]): Promise<void> {
    validateName('group', group)
    if (offsets.length === 0) return
    const described = await this.call(`describing group '${group}'`, () => this.admin.describeGroups([group]))
    const live = described.groups[0]?.members ?? []
    if (live.length > 0) {
      throw new StromError('GROUP_NOT_EMPTY', `group '${group}' has live members, so its offsets cannot be set: ${live.map((m) => `${m.memberId} (${m.clientId} at ${m.clientHost})`).join(', ')}`, {
        hint: "stop the group's consumers first (Kafka requires an Empty group)",
      })
    }
    const byTopic = new Map<string, CommittedOffset[]>()
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
    const cluster = createCluster(this.target)
    try {
      await this.call(`committing offsets of group '${group}'`, async () => {
        await cluster.connect()
        const coordinator = await cluster.findGroupCoordinator({groupId: group})
        await coordinator.offsetCommit({
          groupId: group,
          groupGenerationId: -1,
          memberId: '',
          topics: [...byTopic].map(([topic, list]) => ({topic, partitions: list.map((o) => ({partition: o.partition, offset: String(o.offset)}))})),
        })
      })
    } finally {
      await cluster.disconnect().catch(() => undefined)
    }
  }

  /** Fails with UNKNOWN_GROUP unless the cluster lists the group. */
  private async requireGroup(group: string): Promise<void> {
    if ((await this.listGroups()).every((g) => g.group !== group)) {
      throw new StromError('UNKNOWN_GROUP', `group '${group}' does not exist on ${this.label}`, {hint: 'list groups with `strom group list`'})
    }
  }

  async planOffsetsReset(group: string, spec: ResetSpec, scope: ResetScope, onProgress?: (done: number, total: number) => void): Promise<PlannedReset[]> {
    const offsets = toOffsetsByTopic(await this.committedOffsets(group))
    if (Object.keys(offsets).length === 0) await this.requireGroup(group)
    const otherOffsets = spec.mode === 'to-group' ? toOffsetsByTopic(await this.committedOffsets(spec.group)) : undefined
    // As on a log directory: copying from a group that does not exist is an error, not a plan of
    // "unchanged" rows (a mistyped --to-group).
    if (spec.mode === 'to-group' && Object.keys(otherOffsets!).length === 0) await this.requireGroup(spec.group)
    // Everything the plan reads is fetched first, so the planner (shared with log directories) runs synchronously.
    const topics = new Set<string>([...(scope.topics ?? []).map((t) => t.topic), ...Object.keys(offsets)])
    if (spec.mode === 'from-file') for (const key of spec.offsets.keys()) topics.add(key.slice(0, key.lastIndexOf(':')))
    const counts = new Map<string, number>()
    for (const topic of topics) if (await this.topicExists(topic)) counts.set(topic, await this.topicPartitions(topic))
    const partitionCount = (topic: string) => {
      const count = counts.get(topic)
      if (count === undefined) throw this.unknownTopic(topic)
      return count
    }
    const range: RangeSpec = {start: spec.mode === 'to-datetime' ? {kind: 'timestamp', timestamp: spec.timestamp} : {kind: 'beginning'}}
    const bounds = new Map<string, Map<number, PartitionBounds>>()
    for (const {topic} of resetKeys({offsets, partitionCount}, spec, scope)) {
      if (!bounds.has(topic)) bounds.set(topic, await this.call(`reading offsets of '${topic}'`, () => fetchBounds(this.admin, topic, range)))
    }
    return planResetWith(
      {
        offsets,
        otherOffsets,
        partitionCount,
        bounds: (topic, partition) => {
          const b = bounds.get(topic)?.get(partition)
          if (b === undefined) throw new StromError('UNKNOWN_PARTITION', `topic '${topic}' has no partition ${partition}`)
          return b
        },
      },
      spec,
      scope,
      onProgress,
    )
  }

  async executeOffsetsReset(group: string, plan: PlannedReset[], description: string): Promise<string> {
    const described = await this.call(`describing group '${group}'`, () => this.admin.describeGroups([group]))
    const live = described.groups[0]?.members ?? []
    if (live.length > 0) {
      throw new StromError('GROUP_NOT_EMPTY', `group '${group}' has live members, so its offsets cannot be reset: ${live.map((m) => `${m.memberId} (${m.clientId} on ${m.clientHost})`).join(', ')}`, {
        hint: "stop the group's consumers first (Kafka requires an Empty group)",
      })
    }
    const previous = toOffsetsByTopic(await this.committedOffsets(group))
    const journal = {
      version: 1,
      executedMs: Date.now(),
      description,
      previous: plan.map((p) => ({topic: p.topic, partition: p.partition, offset: previous[p.topic]?.[String(p.partition)]?.offset ?? null})),
      applied: plan.map((p) => ({topic: p.topic, partition: p.partition, offset: p.target})),
    }
    const dir = this.journalDir(group)
    fs.mkdirSync(dir, {recursive: true})
    const file = path.join(dir, `${String(journal.executedMs).padStart(15, '0')}-${process.pid}.json`)
    // Journal first: if we stop after it, undo still knows the old offsets.
    writeJsonAtomic(file, journal)
    await this.commitOffsets(group, plan.map((p) => ({topic: p.topic, partition: p.partition, offset: p.target})))
    return file
  }

  async undoOffsetsReset(group: string): Promise<{restored: Array<{topic: string; partition: number; offset: number | null}>; description: string}> {
    const dir = this.journalDir(group)
    const entries = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : []
    if (entries.length === 0) throw new StromError('INVALID_ARGUMENT', `group '${group}' has no reset executed from this machine to undo (journals live in ${dir})`)
    const file = path.join(dir, entries[entries.length - 1])
    const journal = JSON.parse(fs.readFileSync(file, 'utf8')) as {description: string; previous: Array<{topic: string; partition: number; offset: number | null}>}
    const unset = journal.previous.filter((p) => p.offset === null)
    if (unset.length > 0) {
      // Kafka's admin API cannot remove one partition's offset (kafkajs has no OffsetDelete): say so, restore the rest.
      this.onWarning(`${unset.length} partition${unset.length === 1 ? '' : 's'} had no committed offset before the reset; on Kafka they keep the reset offset`)
    }
    await this.commitOffsets(group, journal.previous.filter((p): p is CommittedOffset => p.offset !== null))
    fs.renameSync(file, file.replace(/\.json$/, '.undone'))
    return {restored: journal.previous, description: journal.description}
  }

  async identity(): Promise<string> {
    const {clusterId} = await this.call('describing the cluster', () => this.admin.describeCluster())
    if (clusterId) return `kafka:${clusterId}`
    // No cluster id (a very old broker): the brokers' resolved addresses.
    const resolved = await Promise.all(this.target.brokers.map(async (broker) => {
      const at = broker.lastIndexOf(':')
      const host = broker.slice(0, at).replace(/^\[|\]$/g, '')
      const {address} = await dns.lookup(host).catch(() => ({address: host}))
      return `${address}:${broker.slice(at + 1)}`
    }))
    return `kafka:${resolved.sort().join(',')}`
  }

  async statsSource(): Promise<KafkaStatsSource> {
    const source = new KafkaStatsSource(this, this.label)
    await source.refresh()
    return source
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined)
  }

  /** Newest records of a topic, for the dashboard's tail. */
  async tail(topic: string, count: number): Promise<Array<{partition: number; offset: number; timestamp: number; key: Buffer | null; value: Buffer | null}>> {
    const reader = await this.openReader([{topic}], {range: {start: {kind: 'fromEnd', count}}, follow: false, checkCrcs: false})
    const records: Array<{partition: number; offset: number; timestamp: number; key: Buffer | null; value: Buffer | null}> = []
    await reader.run((_topic, partition, record) => {
      records.push({partition, offset: record.offset, timestamp: record.timestamp, key: record.key(), value: record.value()})
    }, () => undefined)
    return records.sort((a, b) => a.timestamp - b.timestamp).slice(-count)
  }

  private journalDir(group: string): string {
    const stateHome = process.env.XDG_STATE_HOME && path.isAbsolute(process.env.XDG_STATE_HOME) ? process.env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state')
    const cluster = this.target.brokers.join(',').replace(/[^A-Za-z0-9.,_-]/g, '_')
    return path.join(stateHome, 'strom', 'kafka-resets', cluster, validateName('group', group))
  }

  private async topicOverrides(name: string): Promise<Record<string, string>> {
    const described = await this.call(`reading the config of '${name}'`, () => this.admin.describeConfigs({resources: [{type: ConfigResourceTypes.TOPIC, name}], includeSynonyms: false}))
    const overrides: Record<string, string> = {}
    for (const c of described.resources[0]?.configEntries ?? []) if (!c.isDefault && !c.readOnly && c.configValue !== null) overrides[c.configName] = c.configValue
    return overrides
  }

  private unknownTopic(name: string): StromError {
    return new StromError('UNKNOWN_TOPIC', `topic '${name}' does not exist on ${this.label}`, {hint: 'list topics with `strom topic list`, or create it with `strom topic create`'})
  }

  private async call<T>(where: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (error) {
      throw translateKafkaError(error, where, this.target.brokers)
    }
  }
}

function toOffsetsByTopic(offsets: CommittedOffset[]): OffsetsByTopic {
  const byTopic: OffsetsByTopic = {}
  for (const o of offsets) (byTopic[o.topic] ??= {})[String(o.partition)] = {offset: o.offset, metadata: '', commitTimestamp: 0}
  return byTopic
}

/** Kafka's group states, in the words strom uses where they mean the same. */
function stateName(state: string): GroupStateName {
  switch (state) {
    case 'Stable':
    case 'Empty':
    case 'Dead':
      return state
    default:
      // PreparingRebalance and CompletingRebalance: a handover in progress.
      return 'Rebalancing'
  }
}
