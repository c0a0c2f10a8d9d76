import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, lines, sh, strom, tmpLogDir} from '../helpers/strom.js'

/** The README's `consume --json | ... | produce --json` pipeline, exactly as documented. */
function readmePipeline(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const line = readme.split('\n').find((l) => l.includes('| strom produce') && l.includes('--json') && l.startsWith('strom consume'))
  if (line === undefined) throw new Error('README.md has no `strom consume ... --json | strom produce ... --json` line')
  return line.replace(/#.*$/, '').trim()
}

describe('NDJSON envelopes between topics', () => {
  it("the README's pipeline copies a 3-partition topic into a new 1-partition topic", async () => {
    const dir = tmpLogDir()
    const pipeline = readmePipeline()
    const [source, target] = [/strom consume (\S+)/.exec(pipeline)![1], /strom produce (\S+)/.exec(pipeline)![1]]
    expect((await strom(dir, ['produce', source, '--create', '--partitions', '3', '--partitioner', 'round-robin'], {input: lines(300)})).exitCode).toBe(0)
    // Keyed records too: they are placed by their key, not by the source partition.
    expect((await strom(dir, ['produce', source, '-K:'], {input: 'k1:a\nk2:b\nk3:c\n'})).exitCode).toBe(0)
    const out = await sh(pipeline.replaceAll('strom ', '$STROM '), {STROM_DIR: dir})
    expect(out.stderr).toBe('')
    expect(out.exitCode).toBe(0)
    const described = await strom(dir, ['topic', 'describe', target, '--json'])
    expect(JSON.parse(described.stdout).partitions).toHaveLength(1)
    const copied = (await strom(dir, ['consume', target, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(copied).toHaveLength(303)
    expect(new Set(copied.map((r) => r.partition))).toEqual(new Set([0]))
    expect(copied.filter((r) => r.key !== null).map((r) => `${r.key}:${r.value}`).sort()).toEqual(['k1:A', 'k2:B', 'k3:C'])
  })

  it('--keep-partition into a topic without that partition fails naming the line and what was written', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'one'])
    const input = '{"partition":0,"value":"a"}\n{"partition":0,"value":"b"}\n{"partition":2,"value":"c"}\n{"partition":0,"value":"d"}\n'
    const out = await strom(dir, ['produce', 'one', '--json', '--keep-partition'], {input})
    expect(out.exitCode).toBe(3)
    expect(out.stderr).toMatch(/input line 3 \(--keep-partition\): topic 'one' has no partition 2/)
    expect(out.stderr).toMatch(/input lines 1-2 were written/)
    expect((await strom(dir, ['consume', 'one'])).stdout).toBe('a\nb\n')
    // Without it, the same input goes into the one partition there is.
    const plain = await strom(dir, ['produce', 'one', '--json'], {input})
    expect(plain.exitCode).toBe(0)
    expect((await strom(dir, ['consume', 'one'])).stdout).toBe('a\nb\na\nb\nc\nd\n')
  })

  it('--keep-partition keeps the partition when the topic has it', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'three', '--partitions', '3'])
    const input = '{"partition":2,"value":"x"}\n{"partition":1,"key":"k","value":"y"}\n'
    expect((await strom(dir, ['produce', 'three', '--json', '--keep-partition'], {input})).exitCode).toBe(0)
    expect((await strom(dir, ['consume', 'three', '-F', '%p=%v\\n'])).stdout.split('\n').filter(Boolean).sort()).toEqual(['1=y', '2=x'])
  })
})
