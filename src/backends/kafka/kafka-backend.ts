/**
 * An Apache Kafka cluster behind the Backend interface, through strom's own Kafka client
 * (src/client, on the protocol declarations `strom serve` uses): admin requests through its
 * KafkaAdmin, producing through KafkaSink (strom's partitioner and batch encoder), group-less reads
 * through KafkaReader and group reads through KafkaGroupReader (a classic-protocol group member).
 */
import dns from 'node:dns/promises'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {StromError} from '../../core/errors.js'
import {compareTpKeys, tpKey} from '../../core/groups/assignors.js'
import type {GroupDescription, GroupPartitionView, GroupStateName} from '../../core/groups/group-admin.js'
import type {OffsetsByTopic} from '../../core/groups/group-store.js'
import {planResetWith, resetKeys} from '../../core/groups/offsets-reset.js'
import {writeJsonAtomic} from '../../core/io/atomic-file.js'
import {validateName, validateTopicName} from '../../core/names.js'
import type {PartitionBounds, RangeSpec} from '../../core/offset-spec.js'
import type {
  Backend, CommittedOffset, DeleteRecordsOutcome, CreateTopicOptions, GroupReadOptions, GroupSummary, PlannedReset, ReadOptions, ReadSelection, RecordSource, ResetScope, ResetSpec, SinkOptions, TopicDescription, TopicSummary,
} from '../backend.js'
import {EARLIEST, KafkaAdmin, LATEST} from '../../client/admin.js'
import type {KafkaCluster} from '../../client/cluster.js'
import {isRetriable} from '../../client/kafka-error.js'
import {decodeAssignment} from '../../protocol/consumer-protocol.js'
import {KafkaTarget, createCluster, translateKafkaError} from './client.js'
import {KafkaGroupReader} from './kafka-group-reader.js'
import {KafkaReader, ResolvedPartition, fetchBounds, resolveRange} from './kafka-reader.js'
import {KafkaSink} from './kafka-sink.js'
import {KafkaStatsSource} from './kafka-stats.js'

/** How long a new topic's partitions may take to get leaders on a cluster. */
const LEADER_WAIT_MS = 60_000

/** Kafka's own topics (consumer offsets, transactions) are not the user's data. */
const isInternalTopic = (name: string) => name.startsWith('__')

export class KafkaBackend implements Backend {
  readonly kind = 'kafka' as const
  readonly label: string

  private readonly admin: KafkaAdmin

  private constructor(private readonly target: KafkaTarget, private readonly cluster: KafkaCluster, private readonly onWarning: (message: string) => void) {
    this.label = `kafka://${target.brokers.join(',')}`
    this.admin = new KafkaAdmin(cluster)
  }

  static async connect(target: KafkaTarget, onWarning: (message: string) => void): Promise<KafkaBackend> {
    const cluster = createCluster(target)
    try {
      await cluster.refresh([])
    } catch (error) {
      cluster.close()
      throw translateKafkaError(error, 'connecting', target.brokers)
    }
    return new KafkaBackend(target, cluster, onWarning)
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
        const offsets = await this.admin.topicOffsets(topic)
        const partitions = offsets.map((o) => ({partition: o.partition, logStartOffset: o.low, endOffset: o.high}))
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
      return (await this.admin.topicMetadata(name)).partitions.length
    })
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    if (!(await this.topicExists(name))) throw this.unknownTopic(name)
    return this.call(`describing topic '${name}'`, async () => {
      const metadata = await this.admin.topicMetadata(name)
      const offsets = await this.admin.topicOffsets(name)
      const partitions = metadata.partitions
        .map((p) => {
          const o = offsets.find((x) => x.partition === p.partition)
          return {partition: p.partition, logStartOffset: o?.low ?? 0, endOffset: o?.high ?? 0, sizeBytes: null, segments: null, leader: p.leader, replicas: p.replicas, isr: p.isr}
        })
        .sort((a, b) => a.partition - b.partition)
      const config = (await this.admin.describeTopicConfig(name))
        .filter((c) => !c.isSensitive)
        .map((c) => ({name: c.name, value: c.value ?? '', source: c.isDefault ? 'default' : 'topic'}))
        .sort((a, b) => a.name.localeCompare(b.name))
      return {topic: name, partitions, config, replicationFactor: metadata.partitions[0]?.replicas.length ?? 0, holds: []}
    })
  }

  async createTopic(name: string, options: CreateTopicOptions): Promise<{partitions: number; config: Record<string, string>}> {
    validateTopicName(name)
    if (!Number.isInteger(options.partitions) || options.partitions < 1) throw new StromError('INVALID_ARGUMENT', `invalid partition count ${options.partitions}`, {hint: 'give --partitions N with N ≥ 1'})
    const created = await this.call(`creating topic '${name}'`, () => this.admin.createTopic(name, options.partitions, options.replicationFactor ?? -1, options.config))
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
        const found = (await this.admin.topicMetadata(name)).partitions
        if (found.length >= partitions && found.every((p) => p.leader >= 0)) return
      } catch (error) {
        if (!isRetriable(error) || Date.now() >= deadline) throw error
      }
      if (Date.now() >= deadline) throw new StromError('UNAVAILABLE', `topic '${name}' was created but its partitions have no leader after ${LEADER_WAIT_MS / 1000} s`, {hint: 'check the brokers: `strom topic describe ' + name + '` shows leaders and replicas'})
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  async alterTopic(name: string, change: {partitions?: number; config: Record<string, string>}): Promise<{partitions: number; config: Record<string, string>}> {
    const current = await this.topicPartitions(name)
    if (change.partitions !== undefined) {
      if (change.partitions < current) throw new StromError('INVALID_ARGUMENT', `topic '${name}' has ${current} partitions; partitions can only be added`, {hint: `give --partitions ${current + 1} or more`})
      if (change.partitions > current) await this.call(`adding partitions to '${name}'`, () => this.admin.createPartitions(name, change.partitions!))
    }
    const config = await this.topicOverrides(name)
    if (Object.keys(change.config).length > 0) {
      // AlterConfigs replaces a topic's whole set of overrides: send the current ones with the change.
      for (const [key, value] of Object.entries(change.config)) {
        if (value === '') delete config[key]
        else config[key] = value
      }
      await this.call(`changing the config of '${name}'`, () => this.admin.replaceTopicConfig(name, config))
    }
    return {partitions: Math.max(current, change.partitions ?? current), config}
  }

  async deleteTopic(name: string): Promise<void> {
    if (!(await this.topicExists(name))) throw this.unknownTopic(name)
    await this.call(`deleting topic '${name}'`, () => this.admin.deleteTopic(name))
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
    // Ordered sinks keep one request in flight themselves (KafkaSink), so a retry cannot reorder batches.
    const cluster = createCluster(this.target, {requestTimeoutMs: 45_000})
    await this.call('connecting the producer', () => cluster.refresh([topic]))
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
    const recover = async (topic: string, partition: number) => (await this.admin.listOffsets(topic, EARLIEST, [partition])).get(partition)?.offset ?? 0
    return new KafkaReader(cluster, partitions, options, recover, this.onWarning, (error) => translateKafkaError(error, 'consuming', this.target.brokers), () => cluster.close())
  }

  async openGroupReader(group: string, options: GroupReadOptions): Promise<RecordSource> {
    validateName('group', group)
    if (options.strategy === 'sticky') {
      throw new StromError('UNSUPPORTED', 'the sticky strategy is strom\'s own and works on a log directory only', {hint: 'use --strategy range or --strategy roundrobin on Kafka (the protocol names kcat and Java clients use)'})
    }
    if (options.onCorrupt !== undefined) throw new StromError('UNSUPPORTED', '--skip-corrupt applies to a log directory only')
    for (const topic of options.topics) if (!(await this.topicExists(topic))) throw this.unknownTopic(topic)
    if (options.pattern !== undefined) options.onWarning('on Kafka, --pattern matches the topics that exist when the member joins; topics created later are picked up after a restart')
    const topics = [...options.topics]
    if (options.pattern !== undefined) {
      for (const name of await this.call('listing topics', () => this.admin.listTopics())) if (!isInternalTopic(name) && options.pattern.test(name) && !topics.includes(name)) topics.push(name)
    }
    return new KafkaGroupReader(createCluster(this.target), group, topics, options, this.onWarning, (error) => translateKafkaError(error, `consuming as group '${group}'`, this.target.brokers))
  }

  async listGroups(): Promise<GroupSummary[]> {
    return this.call('listing groups', async () => {
      const ids = (await this.admin.listGroups()).map((g) => g.groupId).sort()
      const described = []
      for (const id of ids) described.push(await this.admin.describeGroup(id))
      return described
        .map((g) => ({group: g.groupId, state: stateName(g.state), members: g.members.length, protocol: g.protocol || null}))
        .sort((a, b) => a.group.localeCompare(b.group))
    })
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    validateName('group', group)
    return this.call(`describing group '${group}'`, async () => {
      const described = await this.admin.describeGroup(group)
      const offsets = await this.committedOffsets(group)
      if ((described === undefined || described.state === 'Dead') && offsets.length === 0) {
        throw new StromError('UNKNOWN_GROUP', `group '${group}' does not exist on ${this.label}`, {hint: 'list groups with `strom group list`'})
      }
      const members = (described?.members ?? []).map((m) => {
        const assignment: string[] = []
        for (const [topic, partitions] of decodeAssignment(m.memberAssignment)) for (const p of partitions) assignment.push(tpKey(topic, p))
        return {id: m.memberId, pid: 0, host: m.clientHost.replace(/^\//, ''), since: '', clientId: m.clientId, assignment: assignment.sort(compareTpKeys)}
      })
      const owners = new Map<string, string>()
      for (const m of members) for (const key of m.assignment) owners.set(key, m.id)
      const keys = new Set([...offsets.map((o) => tpKey(o.topic, o.partition)), ...owners.keys()])
      const ends = new Map<string, {low: number; high: number}>()
      for (const topic of new Set([...keys].map((k) => k.slice(0, k.lastIndexOf(':'))))) {
        try {
          for (const o of await this.admin.topicOffsets(topic)) ends.set(tpKey(topic, o.partition), {low: o.low, high: o.high})
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
    await this.call(`deleting group '${group}'`, () => this.admin.deleteGroup(group))
  }

  async committedOffsets(group: string): Promise<CommittedOffset[]> {
    validateName('group', group)
    return this.call(`reading the offsets of group '${group}'`, async () => {
      return (await this.admin.committedOffsets(group)).filter((o) => !isInternalTopic(o.topic))
    })
  }

  /**
   * Sets a group's offsets with one OffsetCommit to its coordinator, without a generation or member
   * (what Kafka accepts for a group with no live members).
   */
  async commitOffsets(group: string, offsets: CommittedOffset[]): Promise<void> {
    validateName('group', group)
    if (offsets.length === 0) return
    const described = await this.call(`describing group '${group}'`, () => this.admin.describeGroup(group))
    const live = described.members
    if (live.length > 0) {
      throw new StromError('GROUP_NOT_EMPTY', `group '${group}' has live members, so its offsets cannot be set: ${live.map((m) => `${m.memberId} (${m.clientId} at ${m.clientHost})`).join(', ')}`, {
        hint: "stop the group's consumers first (Kafka requires an Empty group)",
      })
    }
    await this.call(`committing offsets of group '${group}'`, () => this.admin.commitOffsets(group, offsets))
  }

  async deleteRecords(topic: string, partition: number, before: number | 'end', options: {ignoreHolds?: boolean}): Promise<DeleteRecordsOutcome> {
    if (options.ignoreHolds) throw new StromError('UNSUPPORTED', '--ignore-holds applies to a log directory\'s retention holds; a Kafka cluster has none', {hint: 'drop --ignore-holds'})
    const count = await this.topicPartitions(topic)
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) throw new StromError('UNKNOWN_PARTITION', `topic '${topic}' has no partition ${partition} (it has ${count}: 0..${count - 1})`)
    return this.call(`deleting records of ${topic}/${partition}`, async () => {
      const previous = (await this.admin.listOffsets(topic, EARLIEST, [partition])).get(partition)!.offset
      const end = (await this.admin.listOffsets(topic, LATEST, [partition])).get(partition)!.offset
      if (before !== 'end' && before > end) throw new StromError('INVALID_OFFSET', `offset ${before} is past the end of ${topic}/${partition} (${end})`, {hint: `give --before ${end} or less, or --before end`})
      // Kafka's log start only moves forward; asking for less than it is a no-op, as on a log directory.
      const target = before === 'end' ? end : Math.max(before, previous)
      const lows = target === previous ? new Map([[partition, previous]]) : await this.admin.deleteRecords(topic, new Map([[partition, target]]))
      return {topic, partition, previousLogStartOffset: previous, logStartOffset: lows.get(partition) ?? target, deletedSegments: null, deletedBytes: null}
    })
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
    const described = await this.call(`describing group '${group}'`, () => this.admin.describeGroup(group))
    const live = described.members
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
      // Restoring "no offset" would take an OffsetDelete per partition, which strom does not send yet: say so, restore the rest.
      this.onWarning(`${unset.length} partition${unset.length === 1 ? '' : 's'} had no committed offset before the reset; on Kafka they keep the reset offset`)
    }
    await this.commitOffsets(group, journal.previous.filter((p): p is CommittedOffset => p.offset !== null))
    fs.renameSync(file, file.replace(/\.json$/, '.undone'))
    return {restored: journal.previous, description: journal.description}
  }

  async identity(): Promise<string> {
    await this.call('describing the cluster', () => this.cluster.refresh([]))
    const clusterId = this.cluster.clusterId
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
    this.cluster.close()
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
    const described = await this.call(`reading the config of '${name}'`, () => this.admin.describeTopicConfig(name))
    const overrides: Record<string, string> = {}
    for (const c of described) if (!c.isDefault && !c.readOnly && c.value !== null) overrides[c.name] = c.value
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

