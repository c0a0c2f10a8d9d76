/**
 * Apache Kafka's own command-line tools (kafka-tools 4.x, run from their main classes) against
 * `strom serve`: kafka-topics, kafka-console-producer, kafka-console-consumer (with a group),
 * kafka-consumer-groups (list, describe, reset-offsets --execute) and kafka-get-offsets. What they
 * did is checked through strom on the served directory.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {strom, tmpLogDir} from '../helpers/strom.js'
import {kafkaTool} from '../helpers/real-kafka.js'
import {ServeProcess, startServe} from '../integration/serve-harness.js'

const TOPICS = 'org.apache.kafka.tools.TopicCommand'
const PRODUCER = 'org.apache.kafka.tools.ConsoleProducer'
const CONSUMER = 'org.apache.kafka.tools.consumer.ConsoleConsumer'
const GROUPS = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand'
const GET_OFFSETS = 'org.apache.kafka.tools.GetOffsetShell'

let serve: ServeProcess
let dir: string

beforeAll(async () => {
  dir = tmpLogDir('strom-kafka-tools-')
  serve = await startServe(dir)
}, 60_000)

afterAll(async () => {
  await serve?.stop()
})

const tool = (main: string, args: string[], input?: string) => kafkaTool(main, ['--bootstrap-server', serve.bootstrap, ...args], {input})

describe("Kafka's console tools against strom serve", () => {
  it('kafka-topics: --create with partitions and config, --list, --describe, --delete', async () => {
    const created = await tool(TOPICS, ['--create', '--topic', 'tools-t', '--partitions', '3', '--config', 'retention.ms=3600000'])
    expect(created.exitCode, created.stderr).toBe(0)
    expect(created.stdout).toContain('Created topic tools-t')
    const listed = await tool(TOPICS, ['--list'])
    expect(listed.stdout.split('\n')).toContain('tools-t')
    const described = await tool(TOPICS, ['--describe', '--topic', 'tools-t'])
    expect(described.exitCode, described.stderr).toBe(0)
    expect(described.stdout).toMatch(/PartitionCount: 3/)
    expect(described.stdout).toMatch(/retention\.ms=3600000/)
    expect(described.stdout.match(/Partition: \d+\s+Leader: \d+/g)).toHaveLength(3)
    expect(JSON.parse((await strom(dir, ['topic', 'describe', 'tools-t', '--json'])).stdout).partitions).toHaveLength(3)
    const deleted = await tool(TOPICS, ['--delete', '--topic', 'tools-t'])
    expect(deleted.exitCode, deleted.stderr).toBe(0)
    expect((await strom(dir, ['topic', 'describe', 'tools-t'])).exitCode).toBe(3)
  }, 180_000)

  it('kafka-console-producer with keys, kafka-console-consumer --from-beginning with a group, kafka-consumer-groups list/describe/reset, kafka-get-offsets', async () => {
    expect((await strom(dir, ['topic', 'create', 'tools-data', '-p', '2'])).exitCode).toBe(0)
    const input = Array.from({length: 100}, (_, i) => `k${i % 7}:v${i}`).join('\n') + '\n'
    const produced = await tool(PRODUCER, ['--topic', 'tools-data', '--property', 'parse.key=true', '--property', 'key.separator=:'], input)
    expect(produced.exitCode, produced.stderr).toBe(0)
    // Keys land where strom's murmur2 puts them: the same partitions as `strom produce -K:`.
    const check = tmpLogDir()
    expect((await strom(check, ['topic', 'create', 'tools-data', '-p', '2'])).exitCode).toBe(0)
    expect((await strom(check, ['produce', 'tools-data', '-K:'], {input})).exitCode).toBe(0)
    for (const p of ['0', '1']) {
      const ours = await strom(dir, ['consume', 'tools-data', '-p', p, '-F', '%k %v\\n'])
      expect(ours.stdout).toBe((await strom(check, ['consume', 'tools-data', '-p', p, '-F', '%k %v\\n'])).stdout)
    }

    const consumed = await tool(CONSUMER, ['--topic', 'tools-data', '--from-beginning', '--group', 'tools-group', '--max-messages', '100', '--property', 'print.key=true', '--property', 'key.separator=:'])
    expect(consumed.exitCode, consumed.stderr).toBe(0)
    expect(consumed.stdout.split('\n').filter(Boolean).sort()).toEqual(input.split('\n').filter(Boolean).sort())

    const groups = await tool(GROUPS, ['--list'])
    expect(groups.exitCode, groups.stderr).toBe(0)
    expect(groups.stdout.split('\n')).toContain('tools-group')
    const described = await tool(GROUPS, ['--describe', '--group', 'tools-group'])
    expect(described.exitCode, described.stderr).toBe(0)
    // Every partition committed at its end: lag 0 in each row.
    const rows = described.stdout.split('\n').filter((l) => l.startsWith('tools-group'))
    expect(rows).toHaveLength(2)
    for (const row of rows) expect(row.split(/\s+/)[5]).toBe('0')

    const reset = await tool(GROUPS, ['--reset-offsets', '--group', 'tools-group', '--topic', 'tools-data', '--to-earliest', '--execute'])
    expect(reset.exitCode, reset.stderr).toBe(0)
    const lag = JSON.parse((await strom(dir, ['group', 'describe', 'tools-group', '--json'])).stdout) as {totalLag: number}
    expect(lag.totalLag).toBe(100)

    const offsets = await tool(GET_OFFSETS, ['--topic', 'tools-data'])
    expect(offsets.exitCode, offsets.stderr).toBe(0)
    const ends = offsets.stdout.split('\n').filter(Boolean).map((l) => Number(l.split(':')[2]))
    expect(ends.reduce((a, b) => a + b, 0)).toBe(100)
  }, 300_000)
})
