import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {DEFAULT_TOPIC_CONFIG, TopicConfig} from '../../../src/core/config.js'
import {RecordCursor, encodeBatch, isBatchCrcValid, readInt64} from '../../../src/core/format/record-batch.js'
import {Segment, segmentPaths} from '../../../src/core/segment/segment.js'
import {openLog} from '../../../src/core/log.js'
import {LogReader} from '../../../src/core/consumer.js'
import {parseRange} from '../../../src/core/offset-spec.js'
import {Producer} from '../../../src/core/producer.js'
import {ATTR_DELETE_HORIZON, filterBatch} from '../../../src/core/maintenance/batch-filter.js'
import {compactPartition} from '../../../src/core/maintenance/compaction.js'
import {MAINTENANCE_RECORD_FILE, maintainPartition, readMaintenanceRecord} from '../../../src/core/maintenance/maintain.js'
import {PartitionRef, partitionRefs} from '../../../src/core/maintenance/partition-ref.js'
import {planRetention} from '../../../src/core/maintenance/retention.js'
import {findNextValidBatch} from '../../../src/core/maintenance/resync.js'
import {SWAP_MANIFEST_FILE} from '../../../src/core/maintenance/segment-swap.js'
import {SegmentInfo} from '../../../src/core/maintenance/segment-info.js'
import {verifyPartition} from '../../../src/core/maintenance/verify.js'
import {repairPartition} from '../../../src/core/maintenance/repair.js'
import {listSegmentBases} from '../../../src/core/partition/partition-files.js'
import {RECOVERY_POINT_FILE, recoverPartitionLocked} from '../../../src/core/partition/recovery.js'
import {withWriteLock} from '../../../src/core/maintenance/partition-ref.js'
import {tmpLogDir} from '../../helpers/strom.js'

const config = (overrides: Partial<TopicConfig>): TopicConfig => ({...DEFAULT_TOPIC_CONFIG, ...overrides})
const seg = (baseOffset: number, endOffset: number, sizeBytes: number, largestTimestamp: number, active = false): SegmentInfo => ({baseOffset, endOffset, sizeBytes, largestTimestamp, active})
const noHolds = {holdOffset: undefined, groups: []}
const now = 1_000_000

describe('retention plan (pure)', () => {
  const segments = [seg(0, 100, 1000, now - 5000), seg(100, 200, 1000, now - 3000), seg(200, 300, 1000, now - 500), seg(300, 350, 500, now - 10, true)]

  it('retention.ms deletes the oldest segments whose newest record is past it, and stops at the first younger one', () => {
    const plan = planRetention({topic: 't', partition: 0, config: config({retentionMs: 1000})}, segments, 0, now, noHolds)
    expect(plan.deletions.map((s) => s.baseOffset)).toEqual([0, 100])
    expect(plan.newLogStartOffset).toBe(200)
  })

  it('retention.bytes keeps the partition at or above the limit', () => {
    const plan = planRetention({topic: 't', partition: 0, config: config({retentionMs: -1, retentionBytes: 1600})}, segments, 0, now, noHolds)
    // 3500 bytes: dropping 1000 leaves 2500, another 1000 leaves 1500 < 1600, so only one goes.
    expect(plan.deletions.map((s) => s.baseOffset)).toEqual([0])
  })

  it('an expired active segment is deleted too (the caller rolls it first); an empty one never', () => {
    const all = planRetention({topic: 't', partition: 0, config: config({retentionMs: 1})}, segments, 0, now, noHolds)
    expect(all.deletions.map((s) => s.baseOffset)).toEqual([0, 100, 200, 300])
    expect(all.newLogStartOffset).toBe(350)
    const empty = planRetention({topic: 't', partition: 0, config: config({retentionMs: 1})}, [seg(0, 0, 0, now - 10_000, true)], 0, now, noHolds)
    expect(empty.deletions).toEqual([])
  })

  it('a hold stops deletion at the first segment the group has not committed past', () => {
    const plan = planRetention({topic: 't', partition: 0, config: config({retentionMs: 1})}, segments, 0, now, {holdOffset: 150, groups: [{group: 'g', committed: 150}]})
    expect(plan.deletions.map((s) => s.baseOffset)).toEqual([0])
    expect(plan.held.map((s) => s.baseOffset)).toEqual([100, 200, 300])
  })

  it('segments below the log start go whatever the policy; compact-only topics have no time or size retention', () => {
    const plan = planRetention({topic: 't', partition: 0, config: config({cleanupPolicy: 'compact', retentionMs: 1})}, segments, 150, now, noHolds)
    expect(plan.deletions.map((s) => [s.baseOffset, s.reason])).toEqual([[0, 'log-start']])
  })
})

describe('batch filter (compaction of one batch)', () => {
  const batch = () => encodeBatch([
    {key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 100},
    {key: null, value: Buffer.from('keyless'), timestamp: 101},
    {key: Buffer.from('b'), value: null, timestamp: 102},
    {key: Buffer.from('a'), value: Buffer.from('2'), timestamp: 103, headers: [{key: 'h', value: Buffer.from('v')}]},
  ], {baseOffset: 10})
  const stats = () => ({recordsIn: 0, recordsOut: 0, tombstonesRemoved: 0, keylessRemoved: 0, abortedRemoved: 0})
  const records = (buf: Buffer) => {
    const cursor = new RecordCursor()
    cursor.reset(buf, 0)
    const out = []
    while (cursor.next()) out.push(cursor.toRecord())
    return out
  }

  it('keeps offsets, timestamps, headers and the last offset delta; drops keyless and superseded records; marks a kept tombstone with a delete horizon', () => {
    const s = stats()
    const out = filterBatch(batch(), (data, start, length, offset) => (keyOf(data, start, length) === 'a' ? offset === 13 : true), 5000, 1000, s)!
    expect(readInt64(out, 0)).toBe(10)
    expect(out.readInt32BE(23)).toBe(3)
    expect(out.readInt16BE(21) & ATTR_DELETE_HORIZON).toBe(ATTR_DELETE_HORIZON)
    expect(readInt64(out, 27)).toBe(6000)
    const kept = records(out)
    expect(kept.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString() ?? null])).toEqual([[12, 102, 'b', null], [13, 103, 'a', '2']])
    expect(kept[1].headers[0].value?.toString()).toBe('v')
    expect(s).toEqual({recordsIn: 4, recordsOut: 2, tombstonesRemoved: 0, keylessRemoved: 1, abortedRemoved: 0})
  })

  it('drops the tombstone once past the horizon set by an earlier cleaning', () => {
    const first = filterBatch(batch(), () => true, 5000, 1000, stats())!
    const s = stats()
    const second = filterBatch(first, () => true, 6000, 1000, s)!
    expect(records(second).map((r) => r.key?.toString())).toEqual(['a', 'a'])
    expect(s.tombstonesRemoved).toBe(1)
  })

  for (const [codec, name] of [[1, 'gzip'], [2, 'snappy'], [3, 'lz4'], [4, 'zstd']] as const) {
    it(`keeps the ${name} codec of a compressed batch, as Kafka's cleaner does`, () => {
      const compressed = encodeBatch([
        {key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 100},
        {key: Buffer.from('b'), value: Buffer.from('2'), timestamp: 101},
        {key: Buffer.from('a'), value: Buffer.from('3'), timestamp: 102},
      ], {baseOffset: 20, compression: codec})
      const out = filterBatch(compressed, (data, start, length, offset) => keyOf(data, start, length) !== 'a' || offset === 22, 0, 0, stats())!
      expect(out.readInt16BE(21) & 0x07).toBe(codec)
      expect(isBatchCrcValid(out, 0, out.length)).toBe(true)
      expect(records(out).map((r) => [r.offset, r.key?.toString(), r.value?.toString()])).toEqual([[21, 'b', '2'], [22, 'a', '3']])
    })
  }

  it('copies the kept records byte for byte when the base timestamp stays (no tombstone kept)', () => {
    const original = encodeBatch([
      {key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 100, headers: [{key: 'h', value: Buffer.from('x')}]},
      {key: Buffer.from('b'), value: Buffer.from('2'), timestamp: 90},
      {key: Buffer.from('a'), value: Buffer.from('3'), timestamp: 120, headers: [{key: 'h2', value: null}]},
    ], {baseOffset: 40})
    const out = filterBatch(original, (data, start, length, offset) => keyOf(data, start, length) !== 'a' || offset === 42, 0, 0, stats())!
    expect(isBatchCrcValid(out, 0, out.length)).toBe(true)
    expect(readInt64(out, 27)).toBe(readInt64(original, 27))
    expect(out.readInt32BE(57)).toBe(2)
    const before = records(original)
    expect(records(out)).toEqual([before[1], before[2]])
    // The kept records' bytes are the original's: the batch is the header and the last two records.
    const firstLength = original.length - 61 - (out.length - 61)
    expect(out.subarray(61).equals(original.subarray(61 + firstLength))).toBe(true)
  })

  it('returns the same bytes when nothing changes, and nothing when no record is left', () => {
    const clean = encodeBatch([{key: Buffer.from('x'), value: Buffer.from('y')}])
    expect(filterBatch(clean, () => true, 0, 0, stats())).toBe(clean)
    expect(filterBatch(clean, () => false, 0, 0, stats())).toBeUndefined()
  })
})

function keyOf(data: Buffer, start: number, length: number): string {
  return data.toString('latin1', start, start + length)
}

function produce(topic: ReturnType<ReturnType<typeof openLog>['topic']>, records: Array<{key?: string; value: string | null}>, batchEvery = 10): void {
  const producer = new Producer(topic, {batchBytes: 1 << 20})
  records.forEach((r, i) => {
    producer.send({key: r.key ?? null, value: r.value})
    if ((i + 1) % batchEvery === 0) producer.flush()
  })
  producer.flush()
}

async function readAll(topic: ReturnType<ReturnType<typeof openLog>['topic']>): Promise<Array<[number, string | null, string | null]>> {
  const out: Array<[number, string | null, string | null]> = []
  await new LogReader([{topic, partition: 0}], {range: parseRange('beginning'), follow: false}).run((t, p, r) => {
    out.push([r.offset, r.key()?.toString() ?? null, r.value()?.toString() ?? null])
  }, () => {})
  return out
}

describe('maintenance off the append path', () => {
  it('a roll only schedules the pass; run later, it leaves what the pass inside the append left', async () => {
    const records = Array.from({length: 600}, (_, i) => ({key: `k${i % 13}`, value: `v${i}`}))
    const config = {'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01'}
    // The old behaviour: maintenance inside the append that rolled.
    const inlineLog = openLog({dir: tmpLogDir(), onWarning: () => {}, maintenance: (ref) => void maintainPartition(ref, {trigger: 'roll'})})
    const inline = inlineLog.createTopic('c', {config})
    produce(inline, records)
    // Now: the launcher is only told; nothing is compacted until it runs the pass.
    const scheduled: PartitionRef[] = []
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}, maintenance: (ref) => void scheduled.push(ref)})
    const topic = log.createTopic('c', {config})
    produce(topic, records)
    const dir = topic.partitionDir(0)
    expect(scheduled.length).toBeGreaterThan(0)
    expect(fs.existsSync(path.join(dir, MAINTENANCE_RECORD_FILE))).toBe(false)
    expect(await readAll(topic)).toHaveLength(records.length)
    maintainPartition(scheduled.at(-1)!, {trigger: 'roll'})
    const after = await readAll(topic)
    expect(after.length).toBeLessThan(records.length)
    expect(after).toEqual(await readAll(inline))
    expect(readMaintenanceRecord(dir)).toMatchObject({trigger: 'roll', compaction: {compacted: true, recordsIn: expect.any(Number)}})
  })

  it('retention.bytes becomes due at a roll, and the scheduled pass deletes and records it', () => {
    const scheduled: PartitionRef[] = []
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}, maintenance: (ref) => void scheduled.push(ref)})
    const topic = log.createTopic('r', {config: {'segment.bytes': '1024', 'retention.bytes': '20000'}})
    produce(topic, Array.from({length: 400}, (_, i) => ({value: `v${i}`.padEnd(40, '.')})))
    // Retention is due once the closed segments pass retention.bytes by more than the oldest one.
    expect(scheduled.length).toBeGreaterThan(0)
    const ref = scheduled.at(-1)!
    maintainPartition(ref, {trigger: 'roll'})
    expect(readMaintenanceRecord(ref.partitionDir)?.retention?.deletedSegments).toBeGreaterThan(0)
  })
})

describe('compaction reads again only segments that keep something', () => {
  it('merges the segments left with nothing into their neighbours, and counts what it dropped without reading it twice', async () => {
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}, maintenance: () => {}})
    const topic = log.createTopic('c', {config: {'cleanup.policy': 'compact', 'segment.bytes': '1024'}})
    const records = Array.from({length: 800}, (_, i) => ({key: `k${i % 3}`, value: `v${i}`}))
    produce(topic, records)
    const dir = topic.partitionDir(0)
    const before = listSegmentBases(dir)
    const activeBase = before.at(-1)!
    expect(before.length).toBeGreaterThan(10)
    // Only the last closed segment holds a latest value (three keys, written in turn): every other
    // segment keeps nothing, and grouping by whole segment sizes (Kafka's) would have left each an empty file.
    const reads: string[] = []
    const readSync = fs.readSync
    const open = fs.openSync
    const opened = new Map<number, string>()
    fs.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
      const fd = (open as (...args: unknown[]) => number)(file, ...rest)
      opened.set(fd, String(file))
      return fd
    }) as typeof fs.openSync
    fs.readSync = ((fd: number, ...rest: unknown[]) => {
      reads.push(opened.get(fd) ?? '')
      return (readSync as (...args: unknown[]) => number)(fd, ...rest)
    }) as typeof fs.readSync
    let result
    try {
      result = compactPartition(partitionRefs(topic)[0], {force: true})
    } finally {
      fs.readSync = readSync
      fs.openSync = open
    }
    expect(result).toMatchObject({compacted: true, segmentsBefore: before.length - 1, segmentsAfter: 1, recordsIn: activeBase, recordsOut: 3})
    expect(listSegmentBases(dir)).toEqual([0, activeBase])
    // Each closed segment's .log was read by the survey; only the one with survivors a second time.
    const readsOf = (file: string) => reads.filter((r) => r === file).length
    const closedLogs = before.slice(0, -1).map((base) => new Segment(dir, base).paths.log)
    const once = readsOf(closedLogs[0])
    expect(once).toBeGreaterThan(0)
    expect(closedLogs.slice(0, -1).map(readsOf)).toEqual(closedLogs.slice(0, -1).map(() => once))
    expect(readsOf(closedLogs.at(-1)!)).toBe(2 * once)
    const latest = new Map(records.slice(0, activeBase).map((r, offset) => [r.key, offset]))
    const expected = records.map((r, offset) => [offset, r.key, r.value] as [number, string, string]).filter(([offset, key]) => offset >= activeBase || latest.get(key) === offset)
    expect(await readAll(topic)).toEqual(expected)
  })
})

describe('recovery cost independent of history', () => {
  it('checks a closed segment\'s indexes once, at the first recovery after it closed, not at every open', async () => {
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}, maintenance: () => {}})
    const topic = log.createTopic('h', {config: {'segment.bytes': '1024', 'index.interval.bytes': '128'}})
    produce(topic, Array.from({length: 300}, (_, i) => ({value: `v${i}`.padEnd(30, '.')})))
    const dir = topic.partitionDir(0)
    const recover = () => withWriteLock(dir, () => recoverPartitionLocked(dir, 128))
    recover()
    const bases = listSegmentBases(dir)
    expect(bases.length).toBeGreaterThan(5)
    expect(fs.readFileSync(path.join(dir, RECOVERY_POINT_FILE), 'utf8')).toBe(`${bases.at(-1)}\n`)
    // A segment already checked is not read again (a damaged index only costs readers a scan).
    fs.writeFileSync(segmentPaths(dir, bases[1]).index, 'garbage!')
    expect(recover().rebuiltIndexes).toEqual([])
    // Segments closed since are checked, once.
    topic.close()
    produce(topic, Array.from({length: 100}, (_, i) => ({value: `w${i}`.padEnd(30, '.')})))
    const later = listSegmentBases(dir).filter((b) => b >= bases.at(-1)!).slice(0, -1)
    expect(later.length).toBeGreaterThan(1)
    fs.writeFileSync(segmentPaths(dir, later[0]).index, 'garbage!')
    expect(recover().rebuiltIndexes).toEqual([later[0]])
    expect(recover().rebuiltIndexes).toEqual([])
    // Readers do not trust an index entry that points at no batch: everything still reads.
    expect((await readAll(topic)).map(([o]) => o)).toEqual([...Array(400).keys()])
  })
})

describe('compaction crash safety', () => {
  async function setup() {
    const log = openLog({dir: tmpLogDir(), onWarning: () => {}})
    const topic = log.createTopic('c', {config: {'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.99'}})
    produce(topic, Array.from({length: 300}, (_, i) => ({key: `k${i % 7}`, value: `v${i}`})))
    return {log, topic, ref: partitionRefs(topic)[0]}
  }

  it('a swap interrupted after its commit point is finished by recovery; one interrupted before is discarded', async () => {
    const {topic, ref} = await setup()
    const before = await readAll(topic)
    const latest = new Map(before.map(([, k, v]) => [k, v]))
    const bases = listSegmentBases(ref.partitionDir)
    expect(bases.length).toBeGreaterThan(3)
    // Uncommitted: .cleaned files without a manifest are garbage.
    fs.writeFileSync(new Segment(ref.partitionDir, bases[0]).cleanedPaths().log, 'partial')
    topic.close()
    topic.writer(0).nextOffset() // a new writer's recovery (readers never recover)
    topic.close()
    expect(fs.readdirSync(ref.partitionDir).filter((n) => n.endsWith('.cleaned'))).toEqual([])
    expect(await readAll(topic)).toEqual(before)

    // Committed: run a real compaction into .cleaned files by compacting a copy, then stage its result by hand.
    const copy = tmpLogDir()
    fs.cpSync(path.dirname(path.dirname(path.dirname(ref.partitionDir))), copy, {recursive: true})
    const copyLog = openLog({dir: copy, onWarning: () => {}})
    const copyRef = partitionRefs(copyLog.topic('c'))[0]
    const result = compactPartition(copyRef, {force: true})
    expect(result.compacted).toBe(true)
    const copyBases = listSegmentBases(copyRef.partitionDir)
    const group = bases.filter((b) => b < copyBases[1])
    for (const kind of ['log', 'index', 'timeIndex'] as const) fs.copyFileSync(segmentPaths(copyRef.partitionDir, copyBases[0])[kind], new Segment(ref.partitionDir, copyBases[0]).cleanedPaths()[kind])
    fs.writeFileSync(path.join(ref.partitionDir, SWAP_MANIFEST_FILE), JSON.stringify({version: 1, base: copyBases[0], replaces: group}))
    // The crash happened after the log was renamed into place but before the rest.
    fs.renameSync(new Segment(ref.partitionDir, copyBases[0]).cleanedPaths().log, segmentPaths(ref.partitionDir, copyBases[0]).log)
    topic.close()
    topic.writer(0).nextOffset() // a new writer's recovery (readers never recover)
    topic.close()
    expect(fs.existsSync(path.join(ref.partitionDir, SWAP_MANIFEST_FILE))).toBe(false)
    expect(listSegmentBases(ref.partitionDir)).toEqual(copyBases)
    const after = await readAll(topic)
    expect(new Map(after.map(([, k, v]) => [k, v]))).toEqual(latest)
    expect(after.map(([o]) => o)).toEqual([...after.map(([o]) => o)].sort((a, b) => a - b))
    expect(verifyPartition(ref).faults).toEqual([])
  })
})

describe('verify and repair', () => {
  it('finds a flipped byte anywhere in a batch, resynchronises, and repair quarantines exactly the cut bytes', () => {
    const dir = tmpLogDir()
    const log = openLog({dir, onWarning: () => {}})
    const topic = log.createTopic('v', {config: {'segment.bytes': '4096'}})
    produce(topic, Array.from({length: 400}, (_, i) => ({value: `message-${i}`})), 5)
    const ref = partitionRefs(topic)[0]
    const file = segmentPaths(ref.partitionDir, 0).log
    const original = fs.readFileSync(file)
    for (const at of [0, 9, 13, 16, 20, 30, 70, original.length - 1]) {
      const bytes = Buffer.from(original)
      bytes[at] ^= 0x04
      fs.writeFileSync(file, bytes)
      const faults = verifyPartition(ref).faults
      expect(faults.length, `flip at ${at}`).toBeGreaterThan(0)
      expect(faults[0].file).toBe('00000000000000000000.log')
    }
    fs.writeFileSync(file, original)
    expect(verifyPartition(ref).faults).toEqual([])
    const damaged = Buffer.from(original)
    damaged[500] ^= 0xff
    fs.writeFileSync(file, damaged)
    const check = verifyPartition(ref)
    const cutAt = check.segments[0].validEnd
    const result = repairPartition(ref)
    expect(result.cuts).toHaveLength(1)
    expect(fs.readFileSync(result.cuts[0].quarantineFile)).toEqual(damaged.subarray(cutAt))
    // The valid batches after the damaged one are put back, verbatim.
    const restored = result.cuts[0].restored
    expect(restored.batches).toBeGreaterThan(0)
    expect(fs.readFileSync(file)).toEqual(Buffer.concat([damaged.subarray(0, cutAt), damaged.subarray(damaged.length - restored.bytes)]))
    expect(result.faultsAfter).toEqual([])
    expect(verifyPartition(ref).faults).toEqual([])
  })

  it('resync finds the next real batch after garbage', () => {
    const dir = tmpLogDir()
    const a = encodeBatch([{key: null, value: Buffer.from('one')}])
    const b = encodeBatch([{key: null, value: Buffer.from('two')}], {baseOffset: 1})
    const file = path.join(dir, 'x.log')
    fs.writeFileSync(file, Buffer.concat([Buffer.from('garbage garbage'), a, b]))
    const fd = fs.openSync(file, 'r')
    expect(findNextValidBatch(fd, 0, fs.fstatSync(fd).size)).toBe(15)
    expect(findNextValidBatch(fd, 16, fs.fstatSync(fd).size)).toBe(15 + a.length)
    fs.closeSync(fd)
  })
})
