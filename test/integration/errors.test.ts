import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {lines, strom, tmpLogDir} from '../helpers/strom.js'

const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)

describe('bad input: clear message, non-zero exit, nothing lost', () => {
  it('rejects invalid topic names with a usage error and never escapes the directory', async () => {
    const dir = tmpLogDir()
    for (const name of ['../x', 'a/b', '', 'x'.repeat(250), '.', '..', 'sp ace', '/etc']) {
      const out = await strom(dir, ['topic', 'create', name])
      expect(out.exitCode, JSON.stringify(name)).toBe(2)
      expect(out.stderr).toMatch(/invalid topic name|is empty|missing argument NAME/)
      noStack(out.stderr)
      const produced = await strom(dir, ['produce', name, 'x', '--create'])
      expect(produced.exitCode).toBe(2)
    }
    expect(fs.readdirSync(path.join(dir, 'topics'))).toEqual([])
    expect(fs.existsSync(path.join(dir, '..', 'x'))).toBe(false)
    expect((await strom(dir, ['topic', 'create', 'x'.repeat(249)])).exitCode).toBe(0)
  })

  it('unknown topic: exit 3 and a hint on how to create it', async () => {
    const dir = tmpLogDir()
    for (const args of [['consume', 'nope'], ['produce', 'nope', 'x'], ['topic', 'describe', 'nope'], ['topic', 'delete', 'nope', '--force']]) {
      const out = await strom(dir, args)
      expect(out.exitCode, args.join(' ')).toBe(3)
      expect(out.stderr).toMatch(/topic 'nope' does not exist/)
      noStack(out.stderr)
    }
    const out = await strom(dir, ['produce', 'nope', 'x'])
    expect(out.stderr).toMatch(/strom topic create nope/)
  })

  it('unknown partition: exit 3', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 't', '--partitions', '2'])
    expect((await strom(dir, ['consume', 't', '-p', '5'])).exitCode).toBe(3)
    expect((await strom(dir, ['produce', 't', '-p', '2', 'x'])).exitCode).toBe(3)
  })

  it('a message larger than max.message.bytes fails clearly and keeps what came before', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'small', '--config', 'max.message.bytes=1000'])
    const input = lines(5) + 'x'.repeat(5000) + '\n' + lines(5, 6)
    const out = await strom(dir, ['produce', 'small'], {input})
    expect(out.exitCode).toBe(1)
    expect(out.stderr).toMatch(/input line 6: a message of 5000 bytes is larger than\s+(›\s+)?max.message.bytes/)
    noStack(out.stderr)
    expect((await strom(dir, ['consume', 'small'])).stdout).toBe(lines(5))
  })

  it('malformed NDJSON names the line and keeps the lines before it', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'j'])
    const input = '{"value":"one"}\n{"value":"two"}\n{"value": oops}\n{"value":"four"}\n'
    const out = await strom(dir, ['produce', 'j', '--json'], {input})
    expect(out.exitCode).toBe(1)
    expect(out.stderr).toMatch(/line 3/)
    noStack(out.stderr)
    expect((await strom(dir, ['consume', 'j'])).stdout).toBe('one\ntwo\n')
  })

  it('invalid config and flags are usage errors', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 'c', '--config', 'retention.ms=soon'])).exitCode).toBe(2)
    expect((await strom(dir, ['topic', 'create', 'c', '--config', 'no.such=1'])).exitCode).toBe(2)
    expect((await strom(dir, ['topic', 'create', 'c', '--partitions', '0'])).exitCode).toBe(2)
    expect((await strom(dir, ['consume', 'c', '--bogus'])).exitCode).toBe(2)
    expect((await strom(dir, ['consume', 'c', '-F', '%q'])).exitCode).toBe(2)
  })

  it('partitions can only grow', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'g', '--partitions', '3'])
    expect((await strom(dir, ['topic', 'alter', 'g', '--partitions', '2'])).exitCode).toBe(2)
    expect((await strom(dir, ['topic', 'alter', 'g', '--partitions', '5'])).exitCode).toBe(0)
    const described = JSON.parse((await strom(dir, ['topic', 'describe', 'g', '--json'])).stdout)
    expect(described.partitions).toHaveLength(5)
  })

  it('topic delete refuses without --force when not on a terminal', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'd'])
    const out = await strom(dir, ['topic', 'delete', 'd'])
    expect(out.exitCode).toBe(2)
    expect(out.stderr).toMatch(/--force/)
    expect((await strom(dir, ['topic', 'delete', 'd', '--force'])).exitCode).toBe(0)
    expect((await strom(dir, ['topic', 'list', '--json'])).stdout.trim()).toBe('[]')
  })

  it('refuses a log directory written by a newer format', async () => {
    const dir = tmpLogDir()
    fs.writeFileSync(path.join(dir, 'strom.json'), JSON.stringify({format: 'strom-log', version: 99}))
    const out = await strom(dir, ['topic', 'list'])
    expect(out.exitCode).toBe(1)
    expect(out.stderr).toMatch(/version 99/)
  })
})
