/**
 * `strom produce --compression` and the topic config compression.type on a log directory: the
 * batches are stored with the codec (log dump shows it), every record reads back byte for byte,
 * offset lookups through the index land in compressed batches, and log verify finds nothing wrong.
 */
import {beforeAll, describe, expect, it} from 'vitest'
import {strom, tmpLogDir} from '../helpers/strom.js'

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd', 'none'] as const

/** 20,000 keyed lines, some long and repetitive, some short: many batches per partition with --batch-size 4096. */
function input(): string {
  let out = ''
  for (let i = 0; i < 20_000; i++) out += `k${i % 7}:${i % 10 === 0 ? `line ${i} ${'abc'.repeat(100)}` : `line ${i}`}\n`
  return out
}

async function batches(dir: string, topic: string): Promise<Array<{compression: string; count: number}>> {
  const dump = await strom(dir, ['log', 'dump', topic, '--json'])
  expect(dump.exitCode, dump.stderr).toBe(0)
  return dump.stdout.trim().split('\n').map((line) => JSON.parse(line) as {type: string; compression: string; count: number}).filter((entry) => entry.type === 'batch')
}

describe('produce --compression on a log directory', () => {
  const dir = tmpLogDir()
  const text = input()
  /** What consume prints for the input produced without compression (keys pick the partitions, so the offsets are the same). */
  let reference: string

  beforeAll(async () => {
    expect((await strom(dir, ['produce', 'reference', '--create', '--partitions', '3', '-K:'], {input: text})).exitCode).toBe(0)
    reference = (await strom(dir, ['consume', 'reference', '-F', '%p %o %k:%v\\n'])).stdout
    expect(reference.split('\n').map((line) => line.split(' ').slice(2).join(' ')).sort()).toEqual(`${text}`.split('\n').sort())
  })

  for (const codec of CODECS) {
    it(`${codec}: stored with the codec, read back identically, index lookups work, verify is clean`, async () => {
      const topic = `c-${codec}`
      const produced = await strom(dir, ['produce', topic, '--create', '--partitions', '3', '-K:', '--batch-size', '4096', '--compression', codec], {input: text})
      expect(produced.exitCode, produced.stderr).toBe(0)

      const stored = await batches(dir, topic)
      expect(stored.length).toBeGreaterThan(30)
      expect(new Set(stored.map((b) => b.compression))).toEqual(new Set([codec]))
      expect(stored.reduce((sum, b) => sum + b.count, 0)).toBe(20_000)

      const consumed = await strom(dir, ['consume', topic, '-F', '%p %o %k:%v\\n'])
      expect(consumed.exitCode, consumed.stderr).toBe(0)
      expect(consumed.stdout).toBe(reference)

      // A start offset in the middle of a partition goes through the offset index to a compressed batch.
      const middle = await strom(dir, ['consume', topic, '-p', '1', '-o', '1234', '-n', '2', '-F', '%p %o %k:%v\\n'])
      expect(middle.exitCode, middle.stderr).toBe(0)
      const partition1 = reference.split('\n').filter((line) => line.startsWith('1 '))
      expect(middle.stdout).toBe(`${partition1[1234]}\n${partition1[1235]}\n`)

      const verify = await strom(dir, ['log', 'verify', topic])
      expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
    })
  }

  it('every codec stores repetitive lines in less than half the space of none', async () => {
    const listed = JSON.parse((await strom(dir, ['topic', 'list', '--json'])).stdout) as Array<{topic: string; sizeBytes: number}>
    const size = (topic: string) => listed.find((t) => t.topic === topic)!.sizeBytes
    for (const codec of CODECS.filter((c) => c !== 'none')) expect(size(`c-${codec}`), codec).toBeLessThan(size('c-none') / 2)
  })
})

describe('topic config compression.type', () => {
  it('a codec there is what produce uses without --compression; the flag wins; producer means uncompressed', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 'typed', '--config', 'compression.type=lz4'])).exitCode).toBe(0)
    const plain = await strom(dir, ['produce', 'typed'], {input: 'one\ntwo\n'})
    expect(plain.exitCode, plain.stderr).toBe(0)
    expect((await batches(dir, 'typed')).map((b) => b.compression)).toEqual(['lz4'])

    expect((await strom(dir, ['produce', 'typed', '--compression', 'gzip'], {input: 'three\n'})).exitCode).toBe(0)
    expect((await strom(dir, ['topic', 'alter', 'typed', '--config', 'compression.type=uncompressed'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'typed'], {input: 'four\n'})).exitCode).toBe(0)
    expect((await strom(dir, ['topic', 'alter', 'typed', '--config', 'compression.type=producer'])).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'typed'], {input: 'five\n'})).exitCode).toBe(0)
    expect((await strom(dir, ['produce', 'typed', '--compression', 'zstd'], {input: 'six\n'})).exitCode).toBe(0)
    expect((await batches(dir, 'typed')).map((b) => b.compression)).toEqual(['lz4', 'gzip', 'none', 'none', 'zstd'])
    expect((await strom(dir, ['consume', 'typed'])).stdout).toBe('one\ntwo\nthree\nfour\nfive\nsix\n')

    const described = JSON.parse((await strom(dir, ['topic', 'describe', 'typed', '--json'])).stdout) as {config: Array<{name: string; value: string; source: string}>}
    expect(described.config.find((c) => c.name === 'compression.type')).toEqual({name: 'compression.type', value: 'producer', source: 'topic'})
    expect((await strom(dir, ['log', 'verify', 'typed'])).exitCode).toBe(0)
  })

  it('refuses a value Kafka does not know, naming the choices', async () => {
    const dir = tmpLogDir()
    const refused = await strom(dir, ['topic', 'create', 'bad', '--config', 'compression.type=brotli'])
    expect(refused.exitCode).not.toBe(0)
    // oclif wraps the message to the terminal's width.
    expect(refused.stderr.replace(/\s+›\s+/g, ' ')).toContain("invalid value 'brotli' for compression.type: expected one of producer, none, uncompressed, gzip, snappy, lz4, zstd")
    expect(refused.stderr).not.toMatch(/\n\s+at /)
  })
})
