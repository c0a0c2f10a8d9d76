import fs from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, lines, strom, tmpLogDir} from '../helpers/strom.js'

const segmentLog = (dir: string, topic: string, partition = 0, base = 0) =>
  path.join(dir, 'topics', topic, String(partition), `${String(base).padStart(20, '0')}.log`)

describe('crash safety', () => {
  it('survives SIGKILL of a producer mid-stream, 20 times in a row', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'crash', '--config', 'segment.bytes=262144'])
    for (let round = 0; round < 20; round++) {
      const child = execa('bash', ['-c', `node ${path.join(ROOT, 'test/fixtures/gen-lines.mjs')} ${round} 50 | node ${BIN} produce crash --batch-size 8192 --dir ${dir}`], {reject: false, detached: true})
      // Let it write for a while, then kill the producer (and its pipeline) without warning.
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 500))
      process.kill(-child.pid!, 'SIGKILL')
      await child
      const out = await strom(dir, ['consume', 'crash'])
      expect(out.exitCode, out.stderr).toBe(0)
      // Everything is a valid prefix: for every round, values r-1..r-k with no gap or duplicate.
      const seen = new Map<number, number>()
      for (const line of out.stdout.split('\n')) {
        if (line === '' || line.startsWith('marker')) continue
        const [r, n] = line.split('-').map(Number)
        expect(n, `round ${r}`).toBe((seen.get(r) ?? 0) + 1)
        seen.set(r, n)
      }
      // Producing continues after the crash.
      const after = await strom(dir, ['produce', 'crash', `marker-${round}`])
      expect(after.exitCode).toBe(0)
      const tail = await strom(dir, ['consume', 'crash', '-o', '-1'])
      expect(tail.stdout).toBe(`marker-${round}\n`)
    }
  }, 240_000)

  it('cuts a torn tail on open and says which partition, offsets and bytes', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'torn'])
    await strom(dir, ['produce', 'torn'], {input: lines(100)})
    const file = segmentLog(dir, 'torn')
    const good = fs.readFileSync(file)
    // A torn write: the first 40 bytes of a copy of the last batch appended after the end.
    fs.appendFileSync(file, good.subarray(0, 40))
    const produced = await strom(dir, ['produce', 'torn', 'after'])
    expect(produced.exitCode).toBe(0)
    expect(produced.stderr).toMatch(/torn\/0/)
    expect(produced.stderr).toMatch(/40 bytes/)
    const out = await strom(dir, ['consume', 'torn'])
    expect(out.stdout).toBe(lines(100) + 'after\n')
  })

  it('a complete last batch whose CRC does not match is corruption: readers stop there and change nothing, writers refuse, log repair cuts it into quarantine', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'flip'])
    await strom(dir, ['produce', 'flip'], {input: lines(10)})
    await strom(dir, ['produce', 'flip'], {input: lines(10, 11)})
    const file = segmentLog(dir, 'flip')
    const bytes = fs.readFileSync(file)
    bytes[bytes.length - 3] ^= 0xff // flip a bit in the last batch's records
    fs.writeFileSync(file, bytes)
    const out = await strom(dir, ['consume', 'flip'])
    expect(out.exitCode).toBe(1)
    expect(out.stderr).toContain('CORRUPT_SEGMENT')
    expect(out.stdout).toBe(lines(10))
    expect(fs.readFileSync(file)).toEqual(bytes)
    const refused = await strom(dir, ['produce', 'flip', 'more'])
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toContain('strom log repair flip')
    expect(fs.readFileSync(file)).toEqual(bytes)
    const repaired = await strom(dir, ['log', 'repair', 'flip', '--yes'])
    expect(repaired.exitCode, repaired.stderr).toBe(0)
    expect(repaired.stdout + repaired.stderr).toMatch(/offsets 10\.\.19/)
    expect((await strom(dir, ['consume', 'flip'])).stdout).toBe(lines(10))
    expect((await strom(dir, ['log', 'verify', 'flip'])).exitCode).toBe(0)
  })

  it('missing or garbage index files: readers scan instead (and write nothing), the next writer rebuilds them', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'idx'])
    await strom(dir, ['produce', 'idx', '--batch-size', '1000'], {input: lines(5000)})
    const index = segmentLog(dir, 'idx').replace(/\.log$/, '.index')
    const timeIndex = segmentLog(dir, 'idx').replace(/\.log$/, '.timeindex')
    expect(fs.statSync(index).size).toBeGreaterThan(0)
    fs.writeFileSync(index, Buffer.from('garbage!garbage!garbage'))
    fs.rmSync(timeIndex)
    const out = await strom(dir, ['consume', 'idx', '-o', '4000:4003'])
    expect(out.stderr).toBe('')
    expect(out.stdout).toBe('4001\n4002\n4003\n')
    expect(fs.readFileSync(index).toString()).toBe('garbage!garbage!garbage')
    expect(fs.existsSync(timeIndex)).toBe(false)
    expect((await strom(dir, ['produce', 'idx', 'next'])).exitCode).toBe(0)
    expect(fs.statSync(index).size % 8).toBe(0)
    expect(fs.existsSync(timeIndex)).toBe(true)
    expect((await strom(dir, ['consume', 'idx', '-o', '4000:4003'])).stdout).toBe('4001\n4002\n4003\n')
  })

  it('segment files start with a valid Kafka RecordBatch v2 header and CRC-32C', async () => {
    const {crc32c} = await import('../../src/core/format/crc32c.js')
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'fmt'])
    await strom(dir, ['produce', 'fmt', '-K:'], {input: 'k1:hello\nk2:world\n'})
    const bytes = fs.readFileSync(segmentLog(dir, 'fmt'))
    expect(bytes.readBigInt64BE(0)).toBe(0n) // base offset
    const batchLength = bytes.readInt32BE(8)
    expect(bytes.length).toBe(batchLength + 12)
    expect(bytes.readInt8(16)).toBe(2) // magic
    expect(bytes.readUInt32BE(17)).toBe(crc32c(bytes, 21, bytes.length))
    expect(bytes.readInt32BE(57)).toBe(2) // records
  })
})
