import {describe, expect, it} from 'vitest'
import {partitionForKey} from '../../src/core/topic/murmur2.js'
import {lines, sh, spawnStrom, strom, stromBuffer, tmpLogDir, waitFor} from '../helpers/strom.js'

describe('produce and consume through bin/run.js', () => {
  it('seq 1 100000 | produce, then consume | wc -l gives the same 100000 lines', async () => {
    const dir = tmpLogDir()
    const produced = await sh(`seq 1 100000 | $STROM produce t --create --dir ${dir}`)
    expect(produced.stderr).toBe('')
    expect(produced.exitCode).toBe(0)
    const counted = await sh(`$STROM consume t --dir ${dir} | wc -l`)
    expect(counted.stdout.trim()).toBe('100000')
    const consumed = await strom(dir, ['consume', 't'])
    expect(consumed.exitCode).toBe(0)
    expect(consumed.stdout).toBe(lines(100000))
  })

  it('spreads unkeyed lines over partitions and keeps every line exactly once', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 'multi', '--partitions', '4'])).exitCode).toBe(0)
    expect((await sh(`seq 1 50000 | $STROM produce multi --dir ${dir}`)).exitCode).toBe(0)
    const out = await strom(dir, ['consume', 'multi'])
    const values = out.stdout.trim().split('\n').map(Number).sort((a, b) => a - b)
    expect(values).toEqual(Array.from({length: 50000}, (_, i) => i + 1))
    const described = JSON.parse((await strom(dir, ['topic', 'describe', 'multi', '--json'])).stdout)
    const nonEmpty = described.partitions.filter((p: {endOffset: number}) => p.endOffset > 0)
    expect(nonEmpty.length).toBeGreaterThan(1)
  })

  it('puts keyed messages in the partition Kafka would choose (murmur2)', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'keyed', '--partitions', '6'])
    const keys = Array.from({length: 200}, (_, i) => `user-${i}`)
    const input = keys.map((k) => `${k}:v-${k}`).join('\n') + '\n'
    expect((await strom(dir, ['produce', 'keyed', '-K:'], {input})).exitCode).toBe(0)
    const out = await strom(dir, ['consume', 'keyed', '-F', '%p %k %v\\n'])
    const rows = out.stdout.trim().split('\n').map((line) => line.split(' '))
    expect(rows).toHaveLength(200)
    for (const [partition, key, value] of rows) {
      expect(Number(partition)).toBe(partitionForKey(Buffer.from(key), 6))
      expect(value).toBe(`v-${key}`)
    }
    // Known vectors from Kafka's partitioner: key bytes → partition for a given count.
  })

  it('round-trips binary keys, values and headers through --json with base64', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'bin'])
    const value = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0x80, 0x7f])
    const envelope = {key: Buffer.from([0xff, 0]).toString('base64'), value: value.toString('base64'), headers: [{key: 'h', value: Buffer.from([9, 0, 200]).toString('base64')}], timestamp: 1700000000000}
    const nullEnvelope = {key: null, value: null, headers: []}
    const input = JSON.stringify(envelope) + '\n' + JSON.stringify(nullEnvelope) + '\n' + JSON.stringify({key: '', value: ''}) + '\n'
    expect((await strom(dir, ['produce', 'bin', '--json', '--value-encoding', 'base64', '--key-encoding', 'base64'], {input})).exitCode).toBe(0)
    const out = await strom(dir, ['consume', 'bin', '--json', '--value-encoding', 'base64', '--key-encoding', 'base64'])
    const records = out.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(records[0]).toEqual({topic: 'bin', partition: 0, offset: 0, timestamp: 1700000000000, key: envelope.key, value: envelope.value, headers: envelope.headers})
    expect(records[1].key).toBeNull()
    expect(records[1].value).toBeNull()
    expect(records[2].key).toBe('')
    expect(records[2].value).toBe('')
    // and the envelope pipes back into another topic unchanged
    await strom(dir, ['topic', 'create', 'bin2'])
    const copied = await sh(`$STROM consume bin --json --value-encoding base64 --key-encoding base64 --dir ${dir} | $STROM produce bin2 --json --value-encoding base64 --key-encoding base64 --dir ${dir}`)
    expect(copied.exitCode).toBe(0)
    const again = await strom(dir, ['consume', 'bin2', '--json', '--value-encoding', 'base64', '--key-encoding', 'base64'])
    expect(again.stdout.replaceAll('"topic":"bin2"', '"topic":"bin"')).toBe(out.stdout)
  })

  it('prints raw bytes (no re-encoding) by default and handles NUL delimiters', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'nul'])
    const input = Buffer.from('a\nb\0c\nd\0')
    expect((await stromBuffer(dir, ['produce', 'nul', '-D', '\\0'], input)).exitCode).toBe(0)
    const out = await stromBuffer(dir, ['consume', 'nul', '-D', '\\0'])
    expect(out.stdout.equals(input)).toBe(true)
  })

  it('reads messages from the arguments, with headers', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'args'])
    expect((await strom(dir, ['produce', 'args', 'hello', 'world', '-H', 'src=cli', '-H', 'n=1'])).exitCode).toBe(0)
    const out = await strom(dir, ['consume', 'args', '-F', '%o %v %h\\n'])
    expect(out.stdout).toBe('0 hello src=cli,n=1\n1 world src=cli,n=1\n')
  })

  it('stops at the end offset captured at start, even while a producer keeps writing', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'busy'])
    await strom(dir, ['produce', 'busy'], {input: lines(1000)})
    // a producer that keeps appending in the background
    const producer = sh(`for i in $(seq 1 200); do seq 1 100; sleep 0.01; done | $STROM produce busy --dir ${dir}`)
    const started = Date.now()
    const out = await strom(dir, ['consume', 'busy', '-n', '100000', '-v'])
    expect(out.exitCode).toBe(0)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(Number(out.stdout.trim().split('\n').length)).toBeGreaterThanOrEqual(1000)
    // -v reports the end captured at start on stderr (stdout is only the values): exactly what was printed.
    const end = Number(/^reading busy\/0 from offset 0 to (\d+) \(exclusive\)\n$/.exec(out.stderr)?.[1])
    expect(out.stdout.trim().split('\n')).toHaveLength(end)
    await producer
  })

  it('ends quietly with exit 0 when stdout closes early (| head)', async () => {
    const dir = tmpLogDir()
    await sh(`seq 1 200000 | $STROM produce t --create --dir ${dir}`)
    const out = await sh(`$STROM consume t --dir ${dir} | head -3`)
    expect(out.stdout).toBe('1\n2\n3\n')
    expect(out.stderr).toBe('')
    expect(out.exitCode).toBe(0)
  })

  it('--follow prints a message produced by another process within moments', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'live', '--partitions', '2'])
    const follower = spawnStrom(dir, ['consume', 'live', '-f', '-v', '-F', '%v\\n'])
    let seen = ''
    follower.stdout!.on('data', (chunk) => {
      seen += chunk
    })
    let diagnostics = ''
    follower.stderr!.on('data', (chunk) => {
      diagnostics += chunk
    })
    // -v says when each partition's position is resolved: what is produced after that is the follower's.
    await waitFor(() => diagnostics === 'following live/0 from offset 0\nfollowing live/1 from offset 0\n', 15_000)
    const latencies: number[] = []
    for (let i = 0; i < 5; i++) {
      const before = seen.length
      await strom(dir, ['produce', 'live', `msg-${i}`])
      const produced = Date.now()
      await waitFor(() => seen.length > before, 5000, 2)
      latencies.push(Date.now() - produced)
    }
    follower.kill('SIGINT')
    const result = await follower
    expect(seen).toBe('msg-0\nmsg-1\nmsg-2\nmsg-3\nmsg-4\n')
    expect(result.exitCode).toBe(130)
    // Latency from the producer's exit to the follower's output (reported, generous bound for CI).
    expect(Math.max(...latencies)).toBeLessThan(1000)
  })
})
