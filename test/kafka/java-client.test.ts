/**
 * Apache Kafka's reference Java client (kafka-clients 4.x, from Maven Central) against `strom
 * serve`: the idempotent producer (4.x's default), a consumer group of three with commits, and the
 * admin client. The program is test/kafka/java/StromClientCheck.java; what it did is then checked
 * through strom on the served log directory.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {strom, tmpLogDir} from '../helpers/strom.js'
import {facts, javaClientCheck} from '../helpers/real-kafka.js'
import {ServeProcess, startServe} from '../integration/serve-harness.js'

let serve: ServeProcess
let dir: string
let java: Awaited<ReturnType<typeof javaClientCheck>>

beforeAll(async () => {
  dir = tmpLogDir('strom-java-')
  serve = await startServe(dir)
  java = await javaClientCheck()
}, 300_000)

afterAll(async () => {
  await serve?.stop()
})

describe('the Java client (kafka-clients 4.x) against strom serve', () => {
  it('idempotent producer (acks=all, linger 5 ms): every record acknowledged, stored once with key and header, read back by strom consume', async () => {
    expect((await strom(dir, ['topic', 'create', 'java-produce', '-p', '3'])).exitCode).toBe(0)
    const result = await java(['produce', serve.bootstrap, 'java-produce', '5000'])
    expect(result.exitCode, result.stderr + serve.stderr().slice(-2000)).toBe(0)
    expect(facts(result.stdout).acked).toBe('5000')
    const read = await strom(dir, ['consume', 'java-produce', '-F', '%k %v %h\\n'])
    expect(read.exitCode, read.stderr).toBe(0)
    const lines = read.stdout.split('\n').filter(Boolean)
    expect(lines).toHaveLength(5000)
    expect(new Set(lines).size).toBe(5000)
    expect(lines).toContain('key-7 value-4997 seq=4997')
    // The batches carry the producer id and sequences of an idempotent producer.
    const dump = await strom(dir, ['log', 'dump', 'java-produce', '--json'])
    expect(dump.exitCode, dump.stderr).toBe(0)
    expect(dump.stdout).toMatch(/"producerId":\s*[0-9]+/)
    expect(dump.stdout).not.toMatch(/"producerId":\s*-1/)
  }, 240_000)

  it('a consumer group of three with commitSync: partitions split without overlap, every record read, commits visible to strom', async () => {
    expect((await strom(dir, ['topic', 'create', 'java-group', '-p', '6'])).exitCode).toBe(0)
    const input = Array.from({length: 3000}, (_, i) => `m${i}`).join('\n') + '\n'
    expect((await strom(dir, ['produce', 'java-group', '--partitioner', 'round-robin'], {input})).exitCode).toBe(0)
    const result = await java(['group', serve.bootstrap, 'java-group', 'java-members', '3', '3000'])
    expect(result.exitCode, result.stderr + serve.stderr().slice(-2000)).toBe(0)
    const seen = facts(result.stdout)
    expect(Number(seen.consumed)).toBe(3000)
    expect(seen.members_with_partitions).toBe('3')
    expect(seen.partitions_owned).toBe('6')
    expect(seen.overlaps).toBe('0')
    const described = JSON.parse((await strom(dir, ['group', 'describe', 'java-members', '--json'])).stdout) as {totalLag: number}
    expect(described.totalLag).toBe(0)
  }, 240_000)

  it('admin client: describeCluster, createTopics with configs, listTopics, describeTopics, describeConfigs, incrementalAlterConfigs, createPartitions, listOffsets, listGroups, deleteTopics', async () => {
    const result = await java(['admin', serve.bootstrap, 'java-admin'])
    expect(result.exitCode, result.stderr + serve.stderr().slice(-2000)).toBe(0)
    expect(facts(result.stdout)).toMatchObject({
      cluster_nodes: '1',
      created: 'java-admin',
      listed: 'true',
      partitions: '2',
      'retention.ms': '3600000',
      altered: '7200000',
      partitions_after: '3',
      end_offsets_sum: '0',
      deleted: 'true',
    })
  }, 240_000)
})
