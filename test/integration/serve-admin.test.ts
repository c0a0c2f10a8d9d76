/**
 * The admin APIs of `strom serve` (what kafkajs, kafka-python's KafkaAdminClient and other Kafka
 * admin clients call), checked against the directory through strom's own commands:
 * CreatePartitions, AlterConfigs, IncrementalAlterConfigs, DeleteGroups, DeleteRecords, and
 * Metadata's partition counts after growth. kafka-python 2.0.2 has no delete_records nor
 * incremental_alter_configs, so those go over a bare socket.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Reader} from '../../src/server/protocol/reader.js'
import {Writer} from '../../src/server/protocol/writer.js'
import {spawnStrom, strom, tmpLogDir, waitFor} from '../helpers/strom.js'
import type {ApiSchema} from '../../src/protocol/api.js'
import {ApiVersions, CreateTopics, DeleteTopics, DescribeCluster, DescribeConfigs, OffsetCommit, OffsetDelete, OffsetFetch} from '../../src/protocol/apis/index.js'
import {decodeResponseHeader} from '../../src/protocol/header.js'
import {type Struct, ZERO_UUID, decodeFrom, encode} from '../../src/protocol/schema.js'
import {topicIdOf} from '../../src/server/topic-ids.js'
import {KAFKA_PYTHON, RawClient, ServeProcess, describeWithClients, python, requestFrame, startServe} from './serve-harness.js'

let dir: string
let serve: ServeProcess

beforeAll(async () => {
  dir = tmpLogDir()
  serve = await startServe(dir)
})

afterAll(async () => {
  await serve.stop()
})

async function describeTopic(topic: string) {
  const result = await strom(dir, ['topic', 'describe', topic, '--json'])
  expect(result.exitCode, result.stderr).toBe(0)
  const json = JSON.parse(result.stdout) as {partitions: Array<{partition: number; logStartOffset: number; endOffset: number}>; config: Array<{name: string; value: string; source: string}>}
  return {partitions: json.partitions, overrides: Object.fromEntries(json.config.filter((c) => c.source === 'topic').map((c) => [c.name, c.value]))}
}

async function groups(): Promise<string[]> {
  return (JSON.parse((await strom(dir, ['group', 'list', '--json'])).stdout) as Array<{group: string}>).map((g) => g.group)
}

function body(write: (w: Writer) => void): Buffer {
  const w = new Writer()
  write(w)
  return Buffer.from(w.toBuffer())
}

async function request(apiKey: number, version: number, payload: Buffer): Promise<Reader> {
  const client = new RawClient(serve.port)
  await client.connected()
  try {
    return new Reader(await client.request(requestFrame(apiKey, version, 7, payload)), 4)
  } finally {
    client.close()
  }
}

/** Metadata v1 for one topic → its partition count as the server reports it. */
async function metadataPartitions(topic: string): Promise<number> {
  const r = await request(3, 1, body((w) => w.array([topic], (tw, t) => tw.string(t))))
  r.array((br) => [br.int32(), br.string(), br.int32(), br.nullableString()])
  r.int32()
  const [partitions] = r.array((tr) => {
    tr.int16()
    tr.string()
    tr.bool()
    return tr.array((pr) => [pr.int16(), pr.int32(), pr.int32(), pr.int32Array(), pr.int32Array()]).length
  })
  return partitions
}

describe('strom serve admin APIs over a bare socket', () => {
  it('Metadata reports partitions added by strom topic alter in another process', async () => {
    await strom(dir, ['topic', 'create', 'grown-elsewhere', '--partitions', '2'])
    expect(await metadataPartitions('grown-elsewhere')).toBe(2)
    await strom(dir, ['topic', 'alter', 'grown-elsewhere', '--partitions', '7'])
    expect(await metadataPartitions('grown-elsewhere')).toBe(7)
  })

  it('CreatePartitions v0 grows a topic; shrinking, unknown topics and assignments to other nodes are refused', async () => {
    await strom(dir, ['topic', 'create', 'raw-grow', '--partitions', '1'])
    const createPartitions = (topics: Array<[string, number, number[][] | null]>, validateOnly = false) =>
      body((w) => w.array(topics, (tw, [name, count, assignments]) => tw.string(name).int32(count).array(assignments, (aw, a) => aw.array(a, (bw, id) => bw.int32(id)))).int32(5000).bool(validateOnly))
    const r = await request(37, 0, createPartitions([['raw-grow', 3, [[0], [0]]], ['raw-grow', 2, null], ['no-such-topic', 4, null], ['raw-grow', 9, [[1], [1], [1], [1], [1], [1]]]]))
    expect(r.int32()).toBe(0)
    const results = r.array((rr) => [rr.string(), rr.int16(), rr.nullableString()])
    expect(results[0]).toEqual(['raw-grow', 0, null])
    expect(results[1]).toEqual(['raw-grow', 37, "topic 'raw-grow' has 3 partitions; the count can only grow (asked for 2)"])
    expect(results[2].slice(0, 2)).toEqual(['no-such-topic', 3])
    expect(results[3][1]).toBe(39)
    expect((await describeTopic('raw-grow')).partitions).toHaveLength(3)
    const validated = await request(37, 1, createPartitions([['raw-grow', 5, null]], true))
    validated.int32()
    expect(validated.array((rr) => [rr.string(), rr.int16(), rr.nullableString()])).toEqual([['raw-grow', 0, null]])
    expect((await describeTopic('raw-grow')).partitions).toHaveLength(3)
  })

  it('DeleteRecords v0/v1 moves the log start (offset -1: the end); past the end is OFFSET_OUT_OF_RANGE', async () => {
    await strom(dir, ['produce', 'trimmed', '--create', '--partitions', '2', '-p', '0'], {input: Array.from({length: 10}, (_, i) => `m${i}\n`).join('')})
    await strom(dir, ['produce', 'trimmed', '-p', '1'], {input: 'a\nb\nc\n'})
    const deleteRecords = (version: number, partitions: Array<[number, number]>) =>
      request(21, version, body((w) => w.array(['trimmed'], (tw, t) => tw.string(t).array(partitions, (pw, [p, o]) => pw.int32(p).int64(o))).int32(5000)))
    const read = (r: Reader) => {
      r.int32()
      return r.array((tr) => [tr.string(), tr.array((pr) => ({partition: pr.int32(), lowWatermark: pr.int64(), errorCode: pr.int16()}))])[0][1]
    }
    expect(read(await deleteRecords(0, [[0, 4], [1, -1], [5, 0]]))).toEqual([
      {partition: 0, lowWatermark: 4, errorCode: 0},
      {partition: 1, lowWatermark: 3, errorCode: 0},
      {partition: 5, lowWatermark: -1, errorCode: 3},
    ])
    expect(read(await deleteRecords(1, [[0, 11]]))).toEqual([{partition: 0, lowWatermark: -1, errorCode: 1}])
    // ListOffsets on the same server right after (as kafkajs's deleteTopicRecords + fetchTopicOffsets do).
    const listed = await request(2, 1, body((w) => w.int32(-1).array(['trimmed'], (tw, t) => tw.string(t).array([[1, -2], [1, -1]], (pw, [p, ts]) => pw.int32(p).int64(ts)))))
    expect(listed.array((tr) => [tr.string(), tr.array((pr) => [pr.int32(), pr.int16(), pr.int64(), pr.int64()].slice(3))])[0][1]).toEqual([[3], [3]])
    expect((await describeTopic('trimmed')).partitions.map((p) => [p.logStartOffset, p.endOffset])).toEqual([[4, 10], [3, 3]])
    expect((await strom(dir, ['consume', 'trimmed', '-p', '0'])).stdout).toBe('m4\nm5\nm6\nm7\nm8\nm9\n')
  })

  it('OffsetCommit of -2 and -1 (kafkajs admin.resetOffsets / setOffsets) stores the log start and the end', async () => {
    await strom(dir, ['produce', 'reset', '--create', '--partitions', '2', '-p', '0'], {input: 'a\nb\nc\n'})
    await strom(dir, ['produce', 'reset', '-p', '1'], {input: 'd\ne\n'})
    await strom(dir, ['log', 'delete-records', 'reset', '-p', '0', '--before', '1'])
    // OffsetCommit v2 without a generation: group_id, generation -1, member '', retention -1, then the offsets.
    const r = await request(8, 2, body((w) => w.string('resetters').int32(-1).string('').int64(-1).array(['reset'], (tw, t) => tw.string(t).array([[0, -2], [1, -1]], (pw, [p, o]) => pw.int32(p).int64(o).string(null)))))
    expect(r.array((tr) => [tr.string(), tr.array((pr) => [pr.int32(), pr.int16()])])).toEqual([['reset', [[0, 0], [1, 0]]]])
    const group = JSON.parse((await strom(dir, ['group', 'describe', 'resetters', '--json'])).stdout) as {partitions: Array<{partition: number; committed: number}>}
    expect(group.partitions.map((p) => [p.partition, p.committed])).toEqual([[0, 1], [1, 2]])
  })

  it('IncrementalAlterConfigs v0 and v1 (flexible): SET, DELETE, APPEND and SUBTRACT; unknown keys and non-list APPEND refused', async () => {
    await strom(dir, ['topic', 'create', 'tuned', '--config', 'retention.ms=1000', '--config', 'segment.bytes=4096'])
    const ops = (name: string, configs: Array<[string, number, string | null]>, flexible: boolean) =>
      body((w) => {
        if (flexible) w.taggedFields() // request header v2's tagged fields, right after client_id
        w.array([name], (rw, n) => {
          rw.int8(2).string(n, flexible)
          rw.array(configs, (cw, [key, op, value]) => {
            cw.string(key, flexible).int8(op).string(value, flexible)
            if (flexible) cw.taggedFields()
          }, flexible)
          if (flexible) rw.taggedFields()
        }, flexible)
        w.bool(false)
        if (flexible) w.taggedFields()
      })
    const v0 = await request(44, 0, ops('tuned', [['retention.ms', 0, '2000'], ['segment.bytes', 1, null], ['cleanup.policy', 2, 'compact']], false))
    v0.int32()
    expect(v0.array((r) => [r.int16(), r.nullableString(), r.int8(), r.string()])).toEqual([[0, null, 2, 'tuned']])
    expect((await describeTopic('tuned')).overrides).toEqual({'retention.ms': '2000', 'cleanup.policy': 'delete,compact'})
    const v1 = await request(44, 1, ops('tuned', [['cleanup.policy', 3, 'delete']], true))
    v1.taggedFields() // response header v1
    v1.int32()
    expect(v1.array((r) => {
      const result = [r.int16(), r.nullableString(true), r.int8(), r.string(true)]
      r.taggedFields()
      return result
    }, true)).toEqual([[0, null, 2, 'tuned']])
    expect((await describeTopic('tuned')).overrides).toEqual({'retention.ms': '2000', 'cleanup.policy': 'compact'})
    const refused = await request(44, 0, ops('tuned', [['retention.ms', 2, '5']], false))
    refused.int32()
    expect(refused.array((r) => [r.int16(), r.nullableString()])).toEqual([[40, "'retention.ms' is not a list config: APPEND and SUBTRACT apply only to cleanup.policy, retention.hold.groups"]])
    const unknown = await request(44, 0, ops('tuned', [['min.insync.replicas', 0, '2']], false))
    unknown.int32()
    expect(unknown.array((r) => [r.int16(), r.nullableString()])[0]).toEqual([40, "unknown topic config 'min.insync.replicas'"])
    expect((await describeTopic('tuned')).overrides).toEqual({'retention.ms': '2000', 'cleanup.policy': 'compact'})
  })
})

describeWithClients('strom serve admin APIs with kafka-python KafkaAdminClient', [KAFKA_PYTHON], () => {
  const admin = (code: string) =>
    python(`
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewPartitions, ConfigResource, ConfigResourceType
admin = KafkaAdminClient(bootstrap_servers='${serve.bootstrap}')
${code}
`)

  it('create_partitions grows a topic; Metadata, producers and strom see the new partitions', async () => {
    await strom(dir, ['topic', 'create', 'growing', '--partitions', '2'])
    const result = await admin(`
print(admin.create_partitions({'growing': NewPartitions(5)}).topic_errors)
producer = KafkaProducer(bootstrap_servers='${serve.bootstrap}')
print(sorted(producer.partitions_for('growing')))
producer.send('growing', value=b'in the new partition', partition=4).get(timeout=10)
producer.close()
try:
    admin.create_partitions({'growing': NewPartitions(3)})
except Exception as e:
    print(type(e).__name__)
`)
    expect(result.stdout.trim().split('\n'), result.stderr).toEqual(["[('growing', 0, None)]", '[0, 1, 2, 3, 4]', 'InvalidPartitionsError'])
    expect((await describeTopic('growing')).partitions).toHaveLength(5)
    expect((await strom(dir, ['consume', 'growing', '-p', '4'])).stdout).toBe('in the new partition\n')
  })

  it("alter_configs replaces a topic's overrides (validated by strom); describe_configs shows them", async () => {
    await strom(dir, ['topic', 'create', 'configured', '--config', 'retention.ms=1000'])
    const result = await admin(`
topic = lambda configs: ConfigResource(ConfigResourceType.TOPIC, 'configured', configs=configs)
print(admin.alter_configs([topic({'cleanup.policy': 'compact', 'segment.bytes': '1048576'})]).resources)
print(admin.alter_configs([topic({'no.such.config': '1'})]).resources[0][:2])
print(admin.alter_configs([topic({'segment.bytes': 'lots'})]).resources[0][0])
described = admin.describe_configs([topic(None)])[0].resources[0][4]
print(sorted((c[0], c[1]) for c in described if c[0] in ('cleanup.policy', 'segment.bytes', 'retention.ms')))
`)
    expect(result.stdout.trim().split('\n'), result.stderr).toEqual([
      "[(0, None, 2, 'configured')]",
      `(40, "unknown topic config 'no.such.config'")`,
      '40',
      "[('cleanup.policy', 'compact'), ('retention.ms', '604800000'), ('segment.bytes', '1048576')]",
    ])
    expect((await describeTopic('configured')).overrides).toEqual({'cleanup.policy': 'compact', 'segment.bytes': '1048576'})
  })

  it('delete_consumer_groups deletes a group with commits; a live group is NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND', async () => {
    await strom(dir, ['produce', 'grouped', '--create'], {input: 'a\nb\n'})
    await strom(dir, ['consume', 'grouped', '--group', 'finished'])
    const live = spawnStrom(dir, ['consume', 'grouped', '--group', 'running', '-f'])
    try {
      await waitFor(async () => (await groups()).includes('running') && (await groups()).includes('finished'), 10_000, 100)
      const result = await admin(`print([(g, e.__name__) for g, e in admin.delete_consumer_groups(['finished', 'running', 'never-existed'])])`)
      expect(result.stdout.trim(), result.stderr).toBe("[('finished', 'NoError'), ('running', 'NonEmptyGroupError'), ('never-existed', 'GroupIdNotFoundError')]")
      expect(await groups()).toContain('running')
      expect(await groups()).not.toContain('finished')
    } finally {
      live.kill('SIGINT')
      await live
    }
  })
})

/** One request encoded from its API's declaration, the response decoded by it (header tags included). */
async function call(api: ApiSchema, version: number, req: Struct): Promise<Struct> {
  const payload = Buffer.from(encode(api.request, req, version).toBuffer())
  const client = new RawClient(serve.port)
  await client.connected()
  try {
    // A flexible request header ends with an (empty) tagged-field section.
    const frame = requestFrame(api.key, version, 9, version >= api.flexibleFrom ? Buffer.concat([Buffer.from([0]), payload]) : payload)
    // The client hands back the frame without its size.
    const reader = new Reader(await client.request(frame))
    expect(decodeResponseHeader(reader, api.key, version)).toBe(9)
    const response = decodeFrom(api.response, reader, version)
    expect(reader.remaining, `${api.name} v${version}: bytes left`).toBe(0)
    return response
  } finally {
    client.close()
  }
}

describe('admin APIs at the versions Kafka 4 serves (flexible, topic ids)', () => {
  it('CreateTopics v7 answers the topic id, partitions, replication factor and configs; v2 (classic) still creates', async () => {
    const created = await call(CreateTopics, 7, {topics: [{name: 'v7-topic', numPartitions: 3, replicationFactor: -1, configs: [{name: 'retention.ms', value: '60000'}]}], timeoutMs: 5000})
    const [t] = created.topics
    expect(t).toMatchObject({name: 'v7-topic', topicId: topicIdOf('v7-topic'), errorCode: 0, errorMessage: null, numPartitions: 3, replicationFactor: 1})
    expect(t.configs).toContainEqual({name: 'retention.ms', value: '60000', readOnly: false, configSource: 1, isSensitive: false})
    expect(t.configs).toContainEqual(expect.objectContaining({name: 'cleanup.policy', value: 'delete', configSource: 5}))
    expect((await describeTopic('v7-topic')).overrides).toEqual({'retention.ms': '60000'})
    const again = await call(CreateTopics, 7, {topics: [{name: 'v7-topic', numPartitions: 1, replicationFactor: 1}], timeoutMs: 5000})
    expect(again.topics[0]).toMatchObject({errorCode: 36, configs: null, numPartitions: -1})
    const v2 = await call(CreateTopics, 2, {topics: [{name: 'v2-topic', numPartitions: 2, replicationFactor: 1}], timeoutMs: 5000})
    expect(v2.topics).toEqual([expect.objectContaining({name: 'v2-topic', errorCode: 0})])
    expect((await describeTopic('v2-topic')).partitions).toHaveLength(2)
  })

  it('DeleteTopics v6 deletes by topic id or by name; an unknown id is UNKNOWN_TOPIC_ID; v1 by name', async () => {
    for (const name of ['del-by-id', 'del-by-name', 'del-v1']) expect((await strom(dir, ['topic', 'create', name])).exitCode).toBe(0)
    const unknownId = 'ab'.repeat(16)
    const r = await call(DeleteTopics, 6, {topics: [{name: null, topicId: topicIdOf('del-by-id')}, {name: 'del-by-name', topicId: ZERO_UUID}, {name: null, topicId: unknownId}], timeoutMs: 5000})
    expect(r.responses).toEqual([
      {name: 'del-by-id', topicId: topicIdOf('del-by-id'), errorCode: 0, errorMessage: null},
      {name: 'del-by-name', topicId: topicIdOf('del-by-name'), errorCode: 0, errorMessage: null},
      {name: null, topicId: unknownId, errorCode: 100, errorMessage: expect.stringContaining(unknownId)},
    ])
    const v1 = await call(DeleteTopics, 1, {topicNames: ['del-v1', 'never-was'], timeoutMs: 5000})
    expect(v1.responses.map((t: Struct) => [t.name, t.errorCode])).toEqual([['del-v1', 0], ['never-was', 3]])
    const listed = (await strom(dir, ['topic', 'list'])).stdout
    for (const name of ['del-by-id', 'del-by-name', 'del-v1']) expect(listed).not.toContain(name)
  })

  it('DescribeConfigs v4: sources, synonyms, Kafka config types and documentation on request', async () => {
    expect((await strom(dir, ['topic', 'create', 'described', '--config', 'cleanup.policy=compact'])).exitCode).toBe(0)
    const r = await call(DescribeConfigs, 4, {resources: [{resourceType: 2, resourceName: 'described', configurationKeys: ['cleanup.policy', 'segment.ms']}], includeSynonyms: true, includeDocumentation: true})
    const [result] = r.results
    expect(result).toMatchObject({errorCode: 0, resourceType: 2, resourceName: 'described'})
    const byName = Object.fromEntries(result.configs.map((c: Struct) => [c.name, c]))
    expect(byName['cleanup.policy']).toMatchObject({value: 'compact', configSource: 1, configType: 7, synonyms: [{name: 'cleanup.policy', value: 'compact', source: 1}]})
    expect(byName['segment.ms']).toMatchObject({configSource: 5, configType: 5, documentation: expect.stringContaining('segment')})
  })

  it('DescribeCluster v0-v2: the one node and the cluster id; controllers (endpoint type 2) are UNSUPPORTED_ENDPOINT_TYPE', async () => {
    for (const version of [0, 1, 2]) {
      const r = await call(DescribeCluster, version, {includeClusterAuthorizedOperations: false, endpointType: 1})
      expect(r).toMatchObject({errorCode: 0, controllerId: 0, brokers: [{brokerId: 0, host: '127.0.0.1', port: serve.port, rack: null, isFenced: false}]})
      expect(r.clusterId).toMatch(/^strom-/)
    }
    expect((await call(DescribeCluster, 1, {endpointType: 2})).errorCode).toBe(115)
  })

  it('OffsetDelete removes the named partitions\' commits and keeps the others; an unknown group is GROUP_ID_NOT_FOUND', async () => {
    expect((await strom(dir, ['topic', 'create', 'od-topic', '-p', '2'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'od-topic', '--partitioner', 'round-robin'], {input: 'a\nb\nc\nd\n'})).exitCode).toBe(0)
    const commit = await call(OffsetCommit, 2, {groupId: 'od-group', generationId: -1, memberId: '', retentionTimeMs: -1, topics: [{name: 'od-topic', partitions: [{partitionIndex: 0, committedOffset: 1, committedMetadata: ''}, {partitionIndex: 1, committedOffset: 2, committedMetadata: ''}]}]})
    expect(commit.topics[0].partitions.map((p: Struct) => p.errorCode)).toEqual([0, 0])
    const r = await call(OffsetDelete, 0, {groupId: 'od-group', topics: [{name: 'od-topic', partitions: [{partitionIndex: 0}]}]})
    expect(r).toEqual({errorCode: 0, throttleTimeMs: 0, topics: [{name: 'od-topic', partitions: [{partitionIndex: 0, errorCode: 0}]}]})
    const fetched = await call(OffsetFetch, 1, {groupId: 'od-group', topics: [{name: 'od-topic', partitionIndexes: [0, 1]}]})
    expect(fetched.topics[0].partitions.map((p: Struct) => [p.partitionIndex, p.committedOffset])).toEqual([[0, -1], [1, 2]])
    expect((await call(OffsetDelete, 0, {groupId: 'no-such-group', topics: []})).errorCode).toBe(69)
  })

  it('ApiVersions advertises the admin APIs at Kafka 4.1\'s ranges', async () => {
    const r = await call(ApiVersions, 3, {clientSoftwareName: 'test', clientSoftwareVersion: '1'})
    const range = (key: number) => {
      const k = r.apiKeys.find((a: Struct) => a.apiKey === key)
      return k === undefined ? undefined : `${k.minVersion}-${k.maxVersion}`
    }
    expect([19, 20, 21, 32, 33, 44, 37, 42, 17, 36, 60, 47].map(range)).toEqual(['2-7', '1-6', '0-2', '1-4', '0-2', '0-1', '0-3', '0-2', '0-1', '0-2', '0-2', '0-0'])
  })
})
