/**
 * Compressed batches through `strom serve`: kcat (librdkafka 2.0.2) and kafka-python 2.0.2 send
 * gzip, snappy, lz4 and zstd batches; strom stores them as sent (log dump shows the codec) and
 * every reader gets the records back: kcat -C, kafka-python, strom consume, log verify.
 * librdkafka before 2.11.1 compresses gzip/snappy/lz4 only if ApiVersions lists Produce v0.
 * And the other way: `strom produce --bootstrap-server --compression` sends compressed batches
 * (zstd in Produce v7), which serve stores as sent and kcat reads.
 */
import {execa} from 'execa'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {BIN, lines, strom, tmpLogDir} from '../helpers/strom.js'
import {KAFKA_PYTHON, KCAT, ServeProcess, describeWithClients, kcat, python, startServe} from './serve-harness.js'

let dir: string
let serve: ServeProcess

beforeAll(async () => {
  dir = tmpLogDir()
  serve = await startServe(dir)
})

afterAll(async () => {
  await serve.stop()
})

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const
const LONG = 'a'.repeat(3000)

async function codecsStored(topic: string): Promise<string[]> {
  const dump = await strom(dir, ['log', 'dump', topic, '--json'])
  expect(dump.exitCode, dump.stderr).toBe(0)
  return dump.stdout.trim().split('\n').map((line) => (JSON.parse(line) as {compression: string}).compression)
}

describeWithClients('compressed batches', [KCAT, KAFKA_PYTHON], () => {
  for (const codec of CODECS) {
    it(`kcat -z ${codec}: stored compressed, read back by kcat, kafka-python and strom consume`, async () => {
      const topic = `kz-${codec}`
      expect((await strom(dir, ['topic', 'create', topic])).exitCode).toBe(0)
      // One batch for both lines: on a busy machine the 5 ms default linger can send the short first
      // line alone, and librdkafka sends a batch uncompressed when compression would not shrink it.
      const produced = await kcat(['-b', serve.bootstrap, '-P', '-t', topic, '-K:', '-z', codec, '-X', 'linger.ms=2000'], `k1:hello ${codec}\nk2:${LONG}\n`)
      expect(produced.exitCode, produced.stderr).toBe(0)
      expect(await codecsStored(topic)).toEqual([codec])
      const viaKcat = await kcat(['-b', serve.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n'])
      expect(viaKcat.stdout).toBe(`k1=hello ${codec}\nk2=${LONG}\n`)
      const viaStrom = await strom(dir, ['consume', topic, '-F', '%k=%v\\n'])
      expect(viaStrom.stdout).toBe(`k1=hello ${codec}\nk2=${LONG}\n`)
      const viaPython = await python(`
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers='${serve.bootstrap}', consumer_timeout_ms=2000)
c.assign([TopicPartition('${topic}', 0)])
c.seek_to_beginning()
print([(m.offset, m.key.decode(), len(m.value)) for m in c])
`)
      expect(viaPython.stderr).toBe('')
      expect(viaPython.stdout.trim()).toBe(`[(0, 'k1', ${`hello ${codec}`.length}), (1, 'k2', 3000)]`)
      const verify = await strom(dir, ['log', 'verify', topic])
      expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
    })
  }

  it("kafka-python's compression_type batches (all four) are stored as sent and read back by kcat", async () => {
    for (const codec of CODECS) expect((await strom(dir, ['topic', 'create', `py-${codec}`])).exitCode).toBe(0)
    const result = await python(`
from kafka import KafkaProducer
for codec in ['gzip', 'snappy', 'lz4', 'zstd']:
    p = KafkaProducer(bootstrap_servers='${serve.bootstrap}', compression_type=codec)
    p.send('py-' + codec, key=b'py', value=('${LONG}' + codec).encode()).get(timeout=10)
    p.close()
print('sent')
`, {}, 60_000)
    expect(result.stderr).toBe('')
    expect(result.stdout.trim()).toBe('sent')
    for (const codec of CODECS) {
      expect(await codecsStored(`py-${codec}`)).toEqual([codec])
      const viaKcat = await kcat(['-b', serve.bootstrap, '-C', '-t', `py-${codec}`, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n'])
      expect(viaKcat.stdout).toBe(`py=${LONG}${codec}\n`)
    }
  })
})

/** strom against the server, not the directory. */
async function viaServer(args: string[], input?: string): Promise<{stdout: string; stderr: string; exitCode: number}> {
  const result = await execa('node', [BIN, ...args, '--bootstrap-server', serve.bootstrap], {input, env: {NO_COLOR: '1'}, reject: false, stripFinalNewline: false})
  return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1}
}

describeWithClients('strom produce --bootstrap-server --compression', [KCAT, KAFKA_PYTHON], () => {
  // Long lines among short ones, keyed over two partitions, several batches per partition.
  const input = lines(30_000).split('\n').slice(0, -1).map((n) => `k${Number(n) % 5}:${Number(n) % 9 === 0 ? LONG : `v${n}`}`).join('\n') + '\n'

  for (const codec of CODECS) {
    it(`${codec}: stored as sent, read back identically by strom consume, kcat and kafka-python`, async () => {
      const topic = `sp-${codec}`
      const produced = await viaServer(['produce', topic, '--create', '--partitions', '2', '-K:', '--compression', codec], input)
      expect(produced.exitCode, produced.stderr).toBe(0)
      const stored = await codecsStored(topic)
      expect(stored.length).toBeGreaterThan(2)
      expect(new Set(stored)).toEqual(new Set([codec]))

      const expected = input.trim().split('\n').sort()
      const consumed = await viaServer(['consume', topic, '-F', '%k:%v\\n'])
      expect(consumed.exitCode, consumed.stderr).toBe(0)
      expect(consumed.stdout.trim().split('\n').sort()).toEqual(expected)
      const viaKcat = await kcat(['-C', '-b', serve.bootstrap, '-t', topic, '-e', '-q', '-f', '%k:%s\\n'])
      expect(viaKcat.exitCode, viaKcat.stderr).toBe(0)
      expect(viaKcat.stdout.trim().split('\n').sort()).toEqual(expected)
      // kafka-python decodes with python-lz4 (liblz4), python-snappy and zstandard: the reference
      // decoders, stricter than librdkafka's about LZ4's block end rules.
      const viaPython = await python(`
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers='${serve.bootstrap}', consumer_timeout_ms=3000)
c.assign([TopicPartition('${topic}', 0), TopicPartition('${topic}', 1)])
c.seek_to_beginning()
lines = sorted(m.key.decode() + ':' + m.value.decode() for m in c)
sent = sorted('k%d:%s' % (n % 5, 'a' * 3000 if n % 9 == 0 else 'v%d' % n) for n in range(1, 30001))
print(len(lines), lines == sent)
`, {}, 60_000)
      expect(viaPython.stderr).toBe('')
      expect(viaPython.stdout.trim()).toBe('30000 True')
      const verify = await strom(dir, ['log', 'verify', topic])
      expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
    })
  }
})
