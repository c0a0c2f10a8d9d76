import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {spawnStrom, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const values = async (dir: string, topic = 'logs') => (await strom(dir, ['consume', topic])).stdout.split('\n').filter((l) => l !== '')
const seqLines = (from: number, to: number, prefix = '') => Array.from({length: to - from + 1}, (_, i) => `${prefix}${from + i}\n`).join('')
const count = async (dir: string) => JSON.parse((await strom(dir, ['topic', 'describe', 'logs', '--json'])).stdout).partitions.reduce((n: number, p: {endOffset: number}) => n + p.endOffset, 0)

describe('strom ingest', () => {
  it('follows rotation by rename and by copytruncate, and files that appear later', async () => {
    const dir = tmpLogDir()
    const logs = path.join(dir, 'files')
    fs.mkdirSync(logs)
    const app = path.join(logs, 'app.log')
    fs.writeFileSync(app, seqLines(1, 100, 'a'))
    const ingest = spawnStrom(dir, ['ingest', 'logs', path.join(logs, '*.log'), '--create', '--poll-ms', '50'])
    let stderr = ''
    ingest.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await waitFor(async () => fs.existsSync(path.join(dir, 'topics/logs')) && (await count(dir)) === 100, 15000, 100)

    // rotation by rename: more lines reach the old file, then a new file takes its name
    fs.appendFileSync(app, seqLines(101, 150, 'a'))
    fs.renameSync(app, path.join(logs, 'app.log.1'))
    fs.writeFileSync(app, seqLines(151, 200, 'a'))
    await waitFor(async () => (await count(dir)) === 200, 15000, 100)

    // rotation by copytruncate
    fs.copyFileSync(app, path.join(logs, 'app.log.2'))
    fs.truncateSync(app, 0)
    // Ingest has seen the file empty (the shrink path, not the rewritten-bytes one) before it grows again.
    await waitFor(() => stderr.includes(`${app} was truncated (copytruncate?) after 250 bytes of it had been read (0 bytes now)`), 15000, 20).catch((error: Error) => {
      throw new Error(`${error.message}; ingest's stderr: ${stderr}`)
    })
    fs.appendFileSync(app, seqLines(201, 220, 'a'))
    await waitFor(async () => (await count(dir)) === 220, 15000, 100)

    // a file created after start, matched by the pattern
    fs.writeFileSync(path.join(logs, 'late.log'), seqLines(1, 10, 'late'))
    await waitFor(async () => (await count(dir)) === 230, 15000, 100)

    ingest.kill('SIGTERM')
    expect((await ingest).exitCode).toBe(143)
    const lines = await values(dir)
    expect(new Set(lines).size).toBe(230)
    expect(lines.filter((l) => l.startsWith('a'))).toEqual(Array.from({length: 220}, (_, i) => `a${i + 1}`))
  }, 60_000)

  it('--from end skips what the files there at start hold, but reads a file that appears later from its beginning', async () => {
    const dir = tmpLogDir()
    const logs = path.join(dir, 'files')
    fs.mkdirSync(logs)
    fs.writeFileSync(path.join(logs, 'old.log'), seqLines(1, 50, 'old'))
    const ingest = spawnStrom(dir, ['ingest', 'logs', path.join(logs, '*.log'), '--create', '--from', 'end', '--poll-ms', '50'])
    await waitFor(() => fs.existsSync(path.join(dir, 'ingest/logs')) && fs.readdirSync(path.join(dir, 'ingest/logs')).some((f) => f.endsWith('.lock')), 15000, 50)
    fs.writeFileSync(path.join(logs, 'new.log'), seqLines(1, 100, 'new'))
    await waitFor(async () => (await count(dir)) === 100, 15000, 100)
    fs.appendFileSync(path.join(logs, 'old.log'), seqLines(51, 60, 'old'))
    await waitFor(async () => (await count(dir)) === 110, 15000, 100)
    ingest.kill('SIGTERM')
    expect((await ingest).exitCode).toBe(143)
    const lines = await values(dir)
    expect(lines.filter((l) => l.startsWith('new'))).toEqual(Array.from({length: 100}, (_, i) => `new${i + 1}`))
    expect(lines.filter((l) => l.startsWith('old'))).toEqual(Array.from({length: 10}, (_, i) => `old${i + 51}`))
  }, 60_000)

  it('copytruncate done before ingest saw the last lines: they are read from the copy, even when the file is rewritten past the old position', async () => {
    const dir = tmpLogDir()
    const logs = path.join(dir, 'files')
    fs.mkdirSync(logs)
    const app = path.join(logs, 'app.log')
    fs.writeFileSync(app, seqLines(1, 100, 'a'))
    const ingest = spawnStrom(dir, ['ingest', 'logs', app, '--create', '--poll-ms', '50'])
    await waitFor(async () => fs.existsSync(path.join(dir, 'topics/logs')) && (await count(dir)) === 100, 15000, 100)
    // Paused, ingest cannot read between the writes and the rotation: the race made certain.
    ingest.kill('SIGSTOP')
    fs.appendFileSync(app, seqLines(101, 150, 'a'))
    fs.copyFileSync(app, path.join(logs, 'app.log.1'))
    fs.truncateSync(app, 0)
    fs.appendFileSync(app, seqLines(1, 300, 'b')) // more bytes than before: the size alone hides the truncation
    ingest.kill('SIGCONT')
    await waitFor(async () => (await count(dir)) === 450, 15000, 100)

    // The same without a copy: the lost lines are reported.
    ingest.kill('SIGSTOP')
    fs.appendFileSync(app, seqLines(301, 310, 'b'))
    fs.truncateSync(app, 0)
    fs.appendFileSync(app, seqLines(1, 5, 'c'))
    ingest.kill('SIGCONT')
    await waitFor(async () => (await count(dir)) === 455, 15000, 100)
    ingest.kill('SIGTERM')
    const result = await ingest
    expect(result.exitCode).toBe(143)
    const lines = await values(dir)
    expect(lines.filter((l) => l.startsWith('a'))).toEqual(Array.from({length: 150}, (_, i) => `a${i + 1}`))
    expect(lines.filter((l) => l.startsWith('b'))).toEqual(Array.from({length: 300}, (_, i) => `b${i + 1}`))
    expect(lines.filter((l) => l.startsWith('c'))).toEqual(['c1', 'c2', 'c3', 'c4', 'c5'])
    expect(String(result.stderr)).toMatch(/app\.log was truncated \(copytruncate\?\) after \d+ bytes.*read its last 50 lines \(\d+ bytes\) from its copy .*app\.log\.1/)
    expect(String(result.stderr)).toMatch(/no copy of it was found .*lines written after byte \d+ before the truncation were lost/)
  }, 60_000)

  it('a restart neither loses nor repeats lines, even after a crash between append and position save', async () => {
    const dir = tmpLogDir()
    const file = path.join(dir, 'app.log')
    fs.writeFileSync(file, seqLines(1, 1000))
    expect((await strom(dir, ['ingest', 'logs', file, '--create', '--once'])).exitCode).toBe(0)
    fs.appendFileSync(file, seqLines(1001, 2000))
    // Simulate a crash right after the append: the saved position is the one from before it.
    const stateDir = path.join(dir, 'ingest', 'logs')
    const stateFile = fs.readdirSync(stateDir).find((f) => f.endsWith('.json'))!
    const before = fs.readFileSync(path.join(stateDir, stateFile))
    expect((await strom(dir, ['ingest', 'logs', file, '--once'])).exitCode).toBe(0)
    fs.writeFileSync(path.join(stateDir, stateFile), before)
    fs.appendFileSync(file, seqLines(2001, 2500))
    expect((await strom(dir, ['ingest', 'logs', file, '--once'])).exitCode).toBe(0)
    expect(await values(dir)).toEqual(Array.from({length: 2500}, (_, i) => String(i + 1)))
    const headers = (await strom(dir, ['consume', 'logs', '-o', '-1', '-F', '%h'])).stdout
    expect(headers).toMatch(new RegExp(`^file=${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')},host=.+,pos=\\d+$`))
  }, 60_000)

  it('refuses a second ingest of the same file', async () => {
    const dir = tmpLogDir()
    const file = path.join(dir, 'app.log')
    fs.writeFileSync(file, 'x\n')
    const first = spawnStrom(dir, ['ingest', 'logs', file, '--create'])
    await waitFor(async () => fs.existsSync(path.join(dir, 'topics/logs')) && (await count(dir)) === 1, 15000, 100)
    const second = await strom(dir, ['ingest', 'logs', file])
    expect(second.exitCode).not.toBe(0)
    expect(second.stderr).toMatch(/already being ingested/)
    first.kill('SIGINT')
    expect((await first).exitCode).toBe(130)
  }, 30_000)
})
