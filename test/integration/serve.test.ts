/**
 * `strom serve` driven by the Kafka clients Debian ships (kcat on librdkafka 2.0.2, kafka-python
 * 2.0.2), against a real server process. Each test checks what the client sees and what the
 * directory holds (strom consume, strom group describe): one directory, two front doors.
 */
import {afterAll, beforeAll, expect, it} from 'vitest'
import {spawnStrom, strom, tmpLogDir, waitFor} from '../helpers/strom.js'
import {KAFKA_PYTHON, KCAT, ServeProcess, describeWithClients, kcat, python, startServe} from './serve-harness.js'

let dir: string
let serve: ServeProcess

beforeAll(async () => {
  dir = tmpLogDir()
  serve = await startServe(dir)
})

afterAll(async () => {
  const {exitCode, stderr} = await serve.stop()
  expect(stderr).toContain('stopped')
  expect(exitCode).toBe(143)
})

/** The group as `strom group describe --json` shows it, or undefined while it does not exist yet. */
async function tryDescribeGroup(group: string) {
  const result = await strom(dir, ['group', 'describe', group, '--json'])
  return result.exitCode === 0 ? (JSON.parse(result.stdout) as {members: Array<{id: string; assignment: string[]}>}) : undefined
}

async function describeGroup(group: string) {
  const result = await strom(dir, ['group', 'describe', group, '--json'])
  expect(result.exitCode, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as {members: Array<{id: string; assignment: string[]}>; partitions: Array<{topic: string; partition: number; committed: number | null; end: number; lag: number | null}>}
}

describeWithClients('kcat', [KCAT], () => {
  it('-L lists topics and partitions', async () => {
    expect((await strom(dir, ['topic', 'create', 'listed', '--partitions', '3'])).exitCode).toBe(0)
    const result = await kcat(['-b', serve.bootstrap, '-L'])
    const out = result.stdout
    expect(out).toContain(`broker 0 at ${serve.bootstrap}`)
    expect(out).toMatch(/topic "listed" with 3 partitions/)
  })

  it('on 0.0.0.0, -L shows the --advertise address; without it, the guessed address, said on stderr', async () => {
    const advertised = await startServe(dir, (port) => ['--advertise', `127.0.0.2:${port}`], {host: '0.0.0.0'})
    try {
      const result = await kcat(['-b', advertised.bootstrap, '-L'])
      expect(result.stdout).toContain(`broker 0 at 127.0.0.2:${advertised.port}`)
    } finally {
      expect((await advertised.stop()).stderr).not.toContain('advertising')
    }
    const guessed = await startServe(dir, [], {host: '0.0.0.0'})
    try {
      const said = /strom serve: advertising (\S+):(\d+) to clients \(.+\); if they cannot reach that, pass --advertise HOST:PORT/.exec(guessed.stderr())
      expect(said, guessed.stderr()).not.toBeNull()
      expect(Number(said![2])).toBe(guessed.port)
      const result = await kcat(['-b', guessed.bootstrap, '-L'])
      expect(result.stdout).toContain(`broker 0 at ${said![1]}:${guessed.port}`)
      expect(result.stdout).not.toContain(`broker 0 at 127.0.0.1:`)
    } finally {
      await guessed.stop()
    }
  })

  it('-P keyed messages with headers, -C -e reads them back byte for byte, and strom consume sees them', async () => {
    const input = ['k1:hello', 'k2:wörld with spaces', 'k1:tab\tinside', 'k3:'].join('\n') + '\n'
    const produced = await kcat(['-b', serve.bootstrap, '-P', '-t', 'kv', '-K:', '-H', 'source=kcat', '-H', 'n=1'], input)
    expect(produced.exitCode, produced.stderr).toBe(0)
    const consumed = await kcat(['-b', serve.bootstrap, '-C', '-t', 'kv', '-o', 'beginning', '-e', '-f', '%k=%s|%h|%o\\n'])
    expect(consumed.exitCode).toBe(0)
    expect(consumed.stdout).toBe('k1=hello|source=kcat,n=1|0\nk2=wörld with spaces|source=kcat,n=1|1\nk1=tab\tinside|source=kcat,n=1|2\nk3=|source=kcat,n=1|3\n')
    const viaStrom = await strom(dir, ['consume', 'kv', '-F', '%o %k=%v %h\\n'])
    expect(viaStrom.stdout).toBe('0 k1=hello source=kcat,n=1\n1 k2=wörld with spaces source=kcat,n=1\n2 k1=tab\tinside source=kcat,n=1\n3 k3= source=kcat,n=1\n')
    const verify = await strom(dir, ['log', 'verify'])
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
  })

  it('-C from a mid-batch offset gets that record (the whole batch is served, the client skips the rest)', async () => {
    await strom(dir, ['produce', 'batchy', '--create'], {input: 'a\nb\nc\nd\ne\n'})
    const result = await kcat(['-b', serve.bootstrap, '-C', '-t', 'batchy', '-o', '3', '-e', '-f', '%o:%s\\n'])
    expect(result.stdout).toBe('3:d\n4:e\n')
  })

  it('-G consumes as a group, and its committed offsets show in strom group describe', async () => {
    await strom(dir, ['topic', 'create', 'grouped', '--partitions', '3'])
    await strom(dir, ['produce', 'grouped', '-K:'], {input: Array.from({length: 30}, (_, i) => `key${i}:v${i}`).join('\n') + '\n'})
    const result = await kcat(['-b', serve.bootstrap, '-G', 'kgroup', 'grouped', '-o', 'beginning', '-e', '-f', '%s\\n'], undefined, 30_000)
    const values = result.stdout.trim().split('\n').sort()
    expect(values).toEqual(Array.from({length: 30}, (_, i) => `v${i}`).sort())
    await waitFor(async () => (await describeGroup('kgroup')).partitions.reduce((n, p) => n + (p.committed ?? 0), 0) === 30, 15_000, 200)
    const group = await describeGroup('kgroup')
    expect(group.partitions.map((p) => p.lag)).toEqual([0, 0, 0])
  })

  it('a kcat producer and a strom consume -f tail see the same messages', async () => {
    await strom(dir, ['topic', 'create', 'tailed'])
    const tail = spawnStrom(dir, ['consume', 'tailed', '-f', '-v'])
    let out = ''
    let diagnostics = ''
    tail.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
    tail.stderr!.on('data', (chunk: Buffer) => (diagnostics += chunk.toString()))
    // The tail is positioned (and waiting) before kcat produces: it sees them arrive, not a backlog.
    await waitFor(() => diagnostics.includes('following tailed/0 from offset 0\n'), 15_000)
    await kcat(['-b', serve.bootstrap, '-P', '-t', 'tailed'], 'one\ntwo\nthree\n')
    await waitFor(() => out === 'one\ntwo\nthree\n', 10_000, 50)
    tail.kill('SIGINT')
    await tail
  })

  it('a transactional producer (-X transactional.id, librdkafka 2.0.2) commits its transaction: the record is there, once, after its marker', async () => {
    const result = await kcat(['-b', serve.bootstrap, '-P', '-t', 'transactional', '-X', 'transactional.id=tx-1'], 'committed once\n')
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toContain('Transaction successfully committed')
    const written = await strom(dir, ['consume', 'transactional'])
    expect(written.stdout).toBe('committed once\n')
    const read = await kcat(['-b', serve.bootstrap, '-C', '-t', 'transactional', '-e', '-o', 'beginning', '-X', 'isolation.level=read_committed', '-f', '%o %s\n'])
    expect(read.stdout).toBe('0 committed once\n')
  })
})

describeWithClients('kafka-python', [KAFKA_PYTHON], () => {
  it("the seeds' example: KafkaProducer.send with key and value, a KafkaConsumer iterating", async () => {
    // From the seeds, verbatim but for the port and the indentation the page lost. The consumer
    // starts at 'latest' (kafka-python's default), so the test keeps producing until it prints.
    const seed = `
from kafka import KafkaProducer, KafkaConsumer
# Producer sends salary update messages to Kafka
producer = KafkaProducer(bootstrap_servers='localhost:9092')
producer.send('salary-updates', key=b'employee_id_123', value=b'Salary update for employee 123')
# Consumer reads messages from Kafka
consumer = KafkaConsumer('salary-updates', bootstrap_servers='localhost:9092')
for message in consumer:
    print(f"Processing salary update: {message.value.decode('utf-8')}", flush=True)
`.replaceAll('localhost:9092', serve.bootstrap)
    const script = python(seed, {}, 40_000)
    let out = ''
    script.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
    await waitFor(async () => (await strom(dir, ['consume', 'salary-updates'])).stdout.includes('Salary update for employee 123'), 20_000, 200)
    await waitFor(async () => {
      // strom produce, not kcat: this suite needs kafka-python only.
      await strom(dir, ['produce', 'salary-updates', '-K:'], {input: 'employee_id_456:Salary update for employee 456\n'})
      return out.includes('Processing salary update: Salary update for employee 456')
    }, 25_000, 300)
    script.kill('SIGKILL')
    await script
    const keys = await strom(dir, ['consume', 'salary-updates', '-F', '%k\\n', '-n', '1'])
    expect(keys.stdout).toBe('employee_id_123\n')
  })

  it('a strom produce pipe and a kafka-python consumer without a group (assign, seek_to_beginning)', async () => {
    await strom(dir, ['produce', 'piped', '--create', '--partitions', '2', '-K:'], {input: 'a:1\nb:2\nc:3\nd:4\n'})
    const result = await python(`
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers='${serve.bootstrap}', consumer_timeout_ms=2000)
parts = [TopicPartition('piped', p) for p in (0, 1)]
c.assign(parts)
c.seek_to_beginning()
print(sorted((m.key.decode(), m.value.decode()) for m in c))
`)
    expect(result.stderr).toBe('')
    expect(result.stdout.trim()).toBe("[('a', '1'), ('b', '2'), ('c', '3'), ('d', '4')]")
  })

  it('with group_id: seek_to_beginning, commit(), and a restarted member resumes where the group left off', async () => {
    await strom(dir, ['produce', 'payroll', '--create', '--partitions', '2', '-K:'], {input: Array.from({length: 10}, (_, i) => `e${i}:pay${i}`).join('\n') + '\n'})
    const first = await python(`
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer('payroll', bootstrap_servers='${serve.bootstrap}', group_id='payroll-svc', enable_auto_commit=False, auto_offset_reset='latest', consumer_timeout_ms=3000)
while not c.assignment():
    c.poll(timeout_ms=200)
c.seek_to_beginning()
seen = sorted(m.value.decode() for m in c)
c.commit()
print(len(seen), sum(c.committed(tp) for tp in c.assignment()))
c.close()
`)
    expect(first.stderr).toBe('')
    expect(first.stdout.trim()).toBe('10 10')
    const group = await describeGroup('payroll-svc')
    expect(group.partitions.map((p) => p.lag)).toEqual([0, 0])
    await strom(dir, ['produce', 'payroll', '-K:'], {input: 'e10:pay10\n'})
    const second = await python(`
from kafka import KafkaConsumer
c = KafkaConsumer('payroll', bootstrap_servers='${serve.bootstrap}', group_id='payroll-svc', auto_offset_reset='earliest', consumer_timeout_ms=3000)
print([m.value.decode() for m in c])
c.close()
`)
    expect(second.stdout.trim()).toBe("['pay10']")
  })

  it('a Kafka client and a strom consume --group member split one group between them', async () => {
    await strom(dir, ['topic', 'create', 'shared', '--partitions', '4'])
    const member = spawnStrom(dir, ['consume', 'shared', '--group', 'mixed', '-f'])
    let client: ReturnType<typeof python> | undefined
    try {
    await waitFor(async () => (await tryDescribeGroup('mixed'))?.members.length === 1, 10_000, 100)
    client = python(`
import time
from kafka import KafkaConsumer
c = KafkaConsumer('shared', bootstrap_servers='${serve.bootstrap}', group_id='mixed')
deadline = time.time() + 25
while time.time() < deadline:
    c.poll(timeout_ms=200)
    print(sorted(tp.partition for tp in c.assignment()), flush=True)
    time.sleep(0.2)
`, {}, 40_000)
    let lines = ''
    client.stdout!.on('data', (chunk: Buffer) => (lines += chunk.toString()))
    // Both sides must have seen the rebalance: the group's record of it, and the client's own
    // report (printed every ~200 ms, so it can lag the group files).
    const kafkaSide = () => lines.trim().split('\n').at(-1) ?? ''
    await waitFor(async () => {
      const group = await describeGroup('mixed')
      return group.members.length === 2 && group.members.every((m) => m.assignment.length === 2) && /^\[\d, \d\]$/.test(kafkaSide())
    }, 25_000, 200)
    const group = await describeGroup('mixed')
    const kafkaShare = kafkaSide()
    const all = group.members.flatMap((m) => m.assignment).sort()
    expect(all).toEqual(['shared:0', 'shared:1', 'shared:2', 'shared:3'])
    expect(kafkaShare).toMatch(/^\[\d, \d\]$/)
    } finally {
      client?.kill('SIGKILL')
      member.kill('SIGINT')
      await Promise.all([client, member])
    }
  })
})
