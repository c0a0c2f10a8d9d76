import {beforeAll, describe, expect, it} from 'vitest'
import {lines, strom, tmpLogDir} from '../helpers/strom.js'

// One partition, offsets 0..99 with values 1..100; timestamps set explicitly through --json.
const BASE_TIME = Date.parse('2026-01-01T00:00:00Z')
let dir: string

beforeAll(async () => {
  dir = tmpLogDir()
  await strom(dir, ['topic', 'create', 'o'])
  const input = Array.from({length: 100}, (_, i) => JSON.stringify({value: String(i + 1), timestamp: BASE_TIME + i * 60_000})).join('\n') + '\n'
  const result = await strom(dir, ['produce', 'o', '--json', '--batch-size', '300'], {input})
  expect(result.exitCode).toBe(0)
})

async function values(offset: string, extra: string[] = []): Promise<string[]> {
  const out = await strom(dir, ['consume', 'o', '-o', offset, ...extra])
  expect(out.stderr).toBe('')
  expect(out.exitCode).toBe(0)
  return out.stdout === '' ? [] : out.stdout.trim().split('\n')
}

const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => String(from + i))

describe('--offset forms', () => {
  it('beginning and end', async () => {
    expect(await values('beginning')).toEqual(range(1, 100))
    expect(await values('end')).toEqual([])
  })
  it('absolute N and ranges with an exclusive end', async () => {
    expect(await values('90')).toEqual(range(91, 100))
    expect(await values('10:20')).toEqual(range(11, 20))
    expect(await values('1000')).toEqual([])
  })
  it('-N from the end and +N from the start', async () => {
    expect(await values('-5')).toEqual(range(96, 100))
    expect(await values('+97')).toEqual(range(98, 100))
    expect(await values('-500')).toEqual(range(1, 100))
  })
  it('@ISO time and time ranges through the time index', async () => {
    expect(await values('@2026-01-01T01:30:00Z')).toEqual(range(91, 100))
    expect(await values('@2026-01-01T00:10:00Z:@2026-01-01T00:15:00Z')).toEqual(range(11, 15))
    expect(await values('@2026-01-01T00:59:30Z:end')).toEqual(range(61, 100))
  })
  it('@-duration relative to now', async () => {
    // All records are from 2026-01-01, long before now: nothing in the last hour.
    expect(await values('@-1h')).toEqual([])
    expect(await values(`@-${Math.ceil((Date.now() - BASE_TIME) / 86_400_000) + 1}d`)).toEqual(range(1, 100))
  })
  it('-n limits the count', async () => {
    expect(await values('beginning', ['-n', '3'])).toEqual(range(1, 3))
  })
  it('rejects invalid offsets with a usage error', async () => {
    for (const bad of ['banana', '@yesterday', '1:2:3:x', '--5', '@-5parsecs']) {
      const out = await strom(dir, ['consume', 'o', '-o', bad])
      expect(out.exitCode, bad).toBe(2)
      expect(out.stderr).toMatch(/invalid offset/)
      expect(out.stderr).not.toMatch(/\s+at .*\.js:\d+/)
    }
  })
  it('multi-batch data keeps working with 4096-byte index intervals', async () => {
    const d = tmpLogDir()
    await strom(d, ['topic', 'create', 'big', '--config', 'segment.bytes=65536'])
    await strom(d, ['produce', 'big', '--batch-size', '2000'], {input: lines(20000)})
    const described = JSON.parse((await strom(d, ['topic', 'describe', 'big', '--json'])).stdout)
    expect(described.partitions[0].segments).toBeGreaterThan(2)
    const out = await strom(d, ['consume', 'big', '-o', '12345:12350'])
    expect(out.stdout).toBe('12346\n12347\n12348\n12349\n12350\n')
    expect((await strom(d, ['consume', 'big', '-o', '-3'])).stdout).toBe('19998\n19999\n20000\n')
  })
})
