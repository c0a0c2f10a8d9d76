import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {fileLockFor, isLockedElsewhere} from '../../src/core/io/file-lock.js'
import {execa} from 'execa'
import {BIN, lines, sh, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const partitionDir = (dir: string, topic: string, p = 0) => path.join(dir, 'topics', topic, String(p))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('retention', () => {
  it('acceptance: a topic with retention.ms loses old segments, not recent messages, after log clean', async () => {
    // The old messages carry timestamps from ten minutes ago (retention uses record timestamps, as
    // Kafka does), so the test does not depend on how fast processes start on a busy machine.
    const dir = tmpLogDir()
    // Produced while retention is off (else the rolls during produce would already apply it).
    await strom(dir, ['topic', 'create', 'r', '--config', 'segment.bytes=2048', '--config', 'retention.ms=-1'])
    const old = Date.now() - 600_000
    const oldInput = Array.from({length: 300}, (_, i) => JSON.stringify({value: String(i + 1), timestamp: old + i})).join('\n') + '\n'
    expect((await strom(dir, ['produce', 'r', '--json', '--batch-size', '256'], {input: oldInput})).exitCode).toBe(0)
    await strom(dir, ['produce', 'r', '--batch-size', '256'], {input: lines(20, 1001)})
    await strom(dir, ['topic', 'alter', 'r', '--config', 'retention.ms=120000'])
    const dry = await strom(dir, ['log', 'clean', 'r', '--dry-run'])
    expect(dry.stdout).toMatch(/would delete r\/0 segment 0 /)
    expect(fs.readdirSync(partitionDir(dir, 'r')).filter((n) => n.endsWith('.log')).length).toBeGreaterThan(2)
    const clean = await strom(dir, ['log', 'clean', 'r'])
    expect(clean.exitCode, clean.stderr).toBe(0)
    expect(clean.stdout).toMatch(/^deleted r\/0 segment 0 \(offsets 0\.\.\d+/m)
    const out = (await strom(dir, ['consume', 'r'])).stdout.split('\n').filter(Boolean)
    // The recent messages are all there; the old ones are gone, whole segments at a time.
    expect(out.slice(-20)).toEqual(lines(20, 1001).trim().split('\n'))
    expect(out.length).toBeLessThan(320)
    const described = JSON.parse((await strom(dir, ['topic', 'describe', 'r', '--json'])).stdout)
    expect(described.partitions[0].logStartOffset).toBe(320 - out.length)
    expect((await strom(dir, ['log', 'verify', 'r'])).exitCode).toBe(0)
  })

  it('rolls and deletes an expired active segment, so an idle topic does not keep expired data', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'idle', '--config', 'retention.ms=500'])
    await strom(dir, ['produce', 'idle'], {input: lines(50)})
    // Expired once the newest record is older than retention.ms (retention reads record timestamps).
    const newest = Math.max(...(await strom(dir, ['consume', 'idle', '-F', '%T\n'])).stdout.trim().split('\n').map(Number))
    await waitFor(() => Date.now() - newest > 500, 5000)
    const clean = await strom(dir, ['log', 'clean', 'idle'])
    expect(clean.stdout).toMatch(/the active segment, rolled first/)
    expect((await strom(dir, ['consume', 'idle'])).stdout).toBe('')
    await strom(dir, ['produce', 'idle', 'after'])
    expect((await strom(dir, ['consume', 'idle', '-F', '%o %v\n'])).stdout).toBe('50 after\n')
  })

  it('delete-records moves the log start; a retention hold refuses to pass a group that has not read the data', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'd', '--config', 'segment.bytes=1024', '--config', 'retention.hold.groups=billing'])
    await strom(dir, ['produce', 'd', '--batch-size', '128'], {input: lines(200)})
    const held = await strom(dir, ['log', 'delete-records', 'd', '-p', '0', '--before', '100'])
    expect(held.exitCode).toBe(2)
    expect(held.stderr).toMatch(/billing \(committed nothing\)/)
    // The group reads 120 messages and commits.
    await strom(dir, ['consume', 'd', '--group', 'billing', '-n', '120'])
    const moved = await strom(dir, ['log', 'delete-records', 'd', '-p', '0', '--before', '100'])
    expect(moved.exitCode, moved.stderr).toBe(0)
    expect(moved.stdout).toMatch(/d\/0: log start 0 -> 100; deleted \d+ segment/)
    expect((await strom(dir, ['consume', 'd', '-n', '1'])).stdout).toBe('101\n')
    const bad = await strom(dir, ['log', 'delete-records', 'd', '-p', '0', '--before', '999'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/past the end/)
    // retention.ms=1 would delete everything, but the hold keeps what billing has not committed past.
    await strom(dir, ['topic', 'alter', 'd', '--config', 'retention.ms=1'])
    await sleep(20) // lets the 1 ms of retention.ms=1 pass: time, not a wait for another process
    const clean = await strom(dir, ['log', 'clean', 'd'])
    expect(clean.stdout).toMatch(/kept d\/0 segment .*held by group billing \(committed \d+\)/)
    const described = await strom(dir, ['topic', 'describe', 'd'])
    expect(described.stdout).toMatch(/retention holds \(retention.hold.groups=billing\)/)
    const rest = (await strom(dir, ['consume', 'd'])).stdout.split('\n').filter(Boolean)
    expect(rest.at(-1)).toBe('200')
    expect(Number(rest[0])).toBeLessThanOrEqual(121)
    expect((await strom(dir, ['topic', 'create', 'x', '--config', 'retention.hold.groups=../etc'])).exitCode).toBe(2)
  })

  it('a read that asks for offsets below the log start begins at the log start', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'f', '--config', 'segment.bytes=1024'])
    await strom(dir, ['produce', 'f', '--batch-size', '128'], {input: lines(300)})
    const del = await strom(dir, ['log', 'delete-records', 'f', '-p', '0', '--before', '250'])
    expect(del.exitCode).toBe(0)
    const out = await strom(dir, ['consume', 'f', '-o', '0'])
    expect(out.stdout.split('\n')[0]).toBe('251')
  })
})

describe('compaction', () => {
  it('acceptance: 100,000 updates over 1,000 keys compact to the last value per key', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'c', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=65536'])
    let input = ''
    for (let i = 0; i < 100_000; i++) input += `k${i % 1000}:v${i}\n`
    expect((await strom(dir, ['produce', 'c', '-K:'], {input})).exitCode).toBe(0)
    const result = await strom(dir, ['log', 'compact', 'c'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/compacted c\/0: .* -> 1000,/)
    const out = (await strom(dir, ['consume', 'c', '-F', '%o %k %v\n'])).stdout.trim().split('\n')
    expect(out).toHaveLength(1000)
    const offsets = out.map((l) => Number(l.split(' ')[0]))
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
    for (const line of out) {
      const [offset, key, value] = line.split(' ')
      expect(value).toBe(`v${offset}`)
      expect(Number(offset)).toBeGreaterThanOrEqual(99_000)
      expect(Number(offset) % 1000).toBe(Number(key.slice(1)))
    }
    expect((await strom(dir, ['log', 'verify', 'c'])).exitCode).toBe(0)
  })

  it('tombstones survive the first compaction and go after delete.retention.ms; keyless records are refused', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 't', '--config', 'cleanup.policy=compact', '--config', 'delete.retention.ms=500'])
    await strom(dir, ['produce', 't', '-K:', '-Z'], {input: 'a:1\nb:1\na:\nb:2\n'})
    await strom(dir, ['log', 'compact', 't'])
    expect((await strom(dir, ['consume', 't', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l)).map((e) => [e.key, e.value])).toEqual([['a', null], ['b', '2']])
    // The first compaction stamped the tombstones' batch with its delete horizon (now + delete.retention.ms).
    const horizons = (await strom(dir, ['log', 'dump', 't', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l).deleteHorizonMs).filter((h) => typeof h === 'number')
    expect(horizons).toHaveLength(1)
    await waitFor(() => Date.now() >= horizons[0], 5000)
    await strom(dir, ['log', 'compact', 't'])
    expect((await strom(dir, ['consume', 't', '-F', '%k=%v\n'])).stdout).toBe('b=2\n')
    const keyless = await strom(dir, ['produce', 't', 'no-key'])
    expect(keyless.exitCode).toBe(1)
    expect(keyless.stderr).toMatch(/is compacted/)
    expect(keyless.stderr).toMatch(/needs a key/)
    expect((await strom(dir, ['log', 'compact', 'nope'])).exitCode).toBe(3)
    await strom(dir, ['topic', 'create', 'plain'])
    expect((await strom(dir, ['log', 'compact', 'plain'])).exitCode).toBe(2)
  })

  it('runs by itself after a roll once the dirty ratio passes min.cleanable.dirty.ratio', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'auto', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=2048'])
    let input = ''
    for (let i = 0; i < 3000; i++) input += `k${i % 5}:${i}\n`
    await strom(dir, ['produce', 'auto', '-K:', '--batch-size', '512'], {input})
    // The cleaner runs in the background, detached from the producer.
    await waitFor(() => fs.existsSync(path.join(partitionDir(dir, 'auto'), 'cleaner-offset-checkpoint')), 30_000)
    await waitFor(async () => (await strom(dir, ['consume', 'auto'])).stdout.split('\n').filter(Boolean).length < 1000, 30_000)
  })

  it('compacts on a low-priority thread of the producer while it runs: no process of its own, the producer never waits', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'live', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=2048'])
    const pdir = partitionDir(dir, 'live')
    // Its input stays open: the producer lives on after its rolls.
    const producer = execa('node', [BIN, 'produce', 'live', '-K:', '--batch-size', '256', '--dir', dir], {stdin: 'pipe', reject: false, env: {NO_COLOR: '1'}})
    try {
      let input = ''
      for (let i = 0; i < 600; i++) input += `k${i % 5}:${i}\n`
      producer.stdin!.write(input)
      const record = () => JSON.parse(fs.readFileSync(path.join(pdir, 'maintenance.json'), 'utf8'))
      await waitFor(() => fs.existsSync(path.join(pdir, 'maintenance.json')) && record().compaction?.compacted === true, 30_000)
      expect(record()).toMatchObject({trigger: 'roll', compaction: {compacted: true, segmentsAfter: 1}})
      // The pass ran inside the producer: no `strom log clean` was started for this directory.
      expect((await sh(`pgrep -f -- '[l]og clean .*${dir}' || true`)).stdout.trim()).toBe('')
      // On a thread at nice 10 (the producer's own threads stay at 0). /proc/PID/task/TID/stat: field 19.
      const nices = fs.readdirSync(`/proc/${producer.pid}/task`).map((tid) => Number(fs.readFileSync(`/proc/${producer.pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]))
      expect(nices.filter((n) => n === 10)).toHaveLength(1)
      expect(nices.filter((n) => n !== 10).every((n) => n === 0)).toBe(true)
    } finally {
      producer.stdin!.end()
    }
    expect((await producer).exitCode).toBe(0)
    // Rolls after its last pass are handed to a detached cleaner at exit: once that is done too,
    // below the cleaner's checkpoint the latest value of each key, above it everything.
    await waitFor(async () => (await sh(`pgrep -f -- '[l]og clean .*${dir}' || true`)).stdout.trim() === '' && !isLockedElsewhere(path.join(pdir, 'cleaner.lock')), 30_000)
    const checkpoint = Number(fs.readFileSync(path.join(pdir, 'cleaner-offset-checkpoint'), 'utf8'))
    const all = Array.from({length: 600}, (_, offset) => ({offset, key: `k${offset % 5}`}))
    const latest = new Map(all.filter((r) => r.offset < checkpoint).map((r) => [r.key, r.offset]))
    const expected = all.filter((r) => r.offset >= checkpoint || latest.get(r.key) === r.offset).map((r) => `${r.offset} ${r.key} ${r.offset}`)
    expect((await strom(dir, ['consume', 'live', '-F', '%o %k %v\n'])).stdout.trim().split('\n')).toEqual(expected)
  })

  it('a produce returns before compaction: the detached cleaner runs after it, and leaves the same log as a clean run inline', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'bg', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=1024', '--config', 'min.cleanable.dirty.ratio=0.01'])
    let input = ''
    for (let i = 0; i < 2000; i++) input += `k${i % 7}:${i}\n`
    const pdir = partitionDir(dir, 'bg')
    // Holding the cleaner lock here keeps any cleaner from working: the produce must not wait for it.
    const cleanerLock = fileLockFor(path.join(pdir, 'cleaner.lock'))
    cleanerLock.acquire()
    let released = false
    try {
      const produced = await strom(dir, ['produce', 'bg', '-K:', '--batch-size', '256'], {input})
      expect(produced.exitCode, produced.stderr).toBe(0)
      expect(fs.existsSync(path.join(pdir, 'maintenance.json'))).toBe(false)
      expect((await strom(dir, ['consume', 'bg'])).stdout.split('\n').filter(Boolean)).toHaveLength(2000)
      cleanerLock.release()
      released = true
    } finally {
      if (!released) cleanerLock.release()
    }
    // The first pass compacts; rolls it may have missed start one more (which finds nothing to do).
    await waitFor(() => fs.existsSync(path.join(pdir, 'maintenance.json')) && !isLockedElsewhere(path.join(pdir, 'cleaner.lock')), 30_000)
    expect(JSON.parse(fs.readFileSync(path.join(pdir, 'maintenance.json'), 'utf8'))).toMatchObject({trigger: 'roll', compaction: {}})
    // What compaction inside the append used to leave: closed segments keep the latest value of each key, the active segment all.
    const bases = fs.readdirSync(pdir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b)
    const activeBase = bases.at(-1)!
    const all = input.trim().split('\n').map((line, offset) => ({offset, key: line.split(':')[0], value: line.split(':')[1]}))
    const latest = new Map(all.filter((r) => r.offset < activeBase).map((r) => [r.key, r.offset]))
    const expected = all.filter((r) => r.offset >= activeBase || latest.get(r.key) === r.offset).map((r) => `${r.offset} ${r.key} ${r.value}`)
    expect((await strom(dir, ['consume', 'bg', '-F', '%o %k %v\n'])).stdout.trim().split('\n')).toEqual(expected)
    const described = await strom(dir, ['topic', 'describe', 'bg'])
    expect(described.stdout).toMatch(/^maintenance of partition 0: last ran \S+ after a segment roll \(\d+ ms\): (compacted \d+ segment\(s\) -> \d+, \d+ records -> \d+|not compacted \(dirty ratio .*\))$/m)
  })
})

describe('dump, verify, repair, --skip-corrupt', () => {
  it('acceptance: a flipped byte is named by verify, repaired with the cut bytes in quarantine', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'v', '--config', 'segment.bytes=4096'])
    await strom(dir, ['produce', 'v', '--batch-size', '300'], {input: lines(2000)})
    const file = path.join(partitionDir(dir, 'v'), '00000000000000000000.log')
    const bytes = fs.readFileSync(file)
    bytes[1000] ^= 0x10
    fs.writeFileSync(file, bytes)
    const verify = await strom(dir, ['log', 'verify'])
    expect(verify.exitCode).toBe(1)
    expect(verify.stdout).toMatch(/^v\/0 00000000000000000000\.log byte \d+ offset \d+: CRC-32C mismatch$/m)
    const consume = await strom(dir, ['consume', 'v'])
    expect(consume.exitCode).toBe(1)
    expect(consume.stderr).toMatch(/corrupt data in v\/0, segment 0, at byte \d+ \(batch offset \d+\)/)
    expect(consume.stdout.length).toBeGreaterThan(0)
    expect(consume.stderr).not.toMatch(/at .*\.js:\d+/)
    const skipped = await strom(dir, ['consume', 'v', '--skip-corrupt'])
    expect(skipped.exitCode).toBe(0)
    expect(skipped.stderr).toMatch(/skipped \d+ corrupt bytes in v\/0/)
    expect((await strom(dir, ['log', 'repair', 'v'])).exitCode).toBe(2)
    const repair = await strom(dir, ['log', 'repair', 'v', '--yes'])
    expect(repair.exitCode, repair.stderr).toBe(0)
    const quarantined = repair.stdout.match(/kept in (\S+\.bin)/)![1]
    const cutAt = Number(repair.stdout.match(/from byte (\d+)/)![1])
    expect(fs.readFileSync(quarantined)).toEqual(bytes.subarray(cutAt))
    expect(quarantined.startsWith(path.join(dir, 'quarantine'))).toBe(true)
    expect((await strom(dir, ['log', 'verify'])).exitCode).toBe(0)
    const dumped = await strom(dir, ['log', 'dump', '--file', quarantined])
    expect(dumped.stdout).toMatch(/isvalid: false/)
    expect(dumped.stdout).toMatch(/isvalid: true/)
  })

  it('dump prints batch headers and, with --records, keys, values and headers (text and NDJSON)', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['produce', 'dmp', '--create', '-K:', '-H', 'src=test'], {input: 'k1:hello\nk2:world\n'})
    const text = await strom(dir, ['log', 'dump', 'dmp', '--records'])
    expect(text.stdout).toMatch(/^baseOffset: 0 lastOffset: 1 count: 2 position: 0 size: \d+ CreateTime: \d+ .*isvalid: true/m)
    expect(text.stdout).toMatch(/^\| offset: 1 .*headers: \["src"="test"\] key: "k2" value: "world"$/m)
    const json = (await strom(dir, ['log', 'dump', 'dmp', '--records', '--json', '--offset', '1'])).stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(json[0]).toMatchObject({topic: 'dmp', partition: 0, type: 'batch', baseOffset: 0, crcValid: true})
    expect(json[0].records.map((r: {key: string; value: string}) => [r.key, r.value])).toEqual([['k2', 'world']])
  })
})
