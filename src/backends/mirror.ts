/**
 * Copying topics between any two backends (a log directory and a Kafka cluster, either way, or two
 * of a kind), partition by partition: each record keeps its partition, key, value, headers and
 * timestamp, and per-partition order.
 *
 * Resuming without duplicates: the destination is written through an ordered sink (each send
 * acknowledged before the next leaves), so what it holds of a partition is always a prefix of what
 * was sent. A checkpoint file records, per partition, a pair (next source offset, destination end
 * offset) taken after an acknowledged flush. On restart, the destination's end minus the
 * checkpoint's end is the number of records that arrived after the checkpoint was written; that
 * many source records from the checkpoint's source offset on are skipped. So a kill at any instant
 * (between the ack and the checkpoint included) neither loses nor repeats a record, provided
 * nothing else writes to the destination partitions.
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../core/errors.js'
import {readJsonFile, writeJsonAtomic} from '../core/io/atomic-file.js'
import type {RecordView} from '../core/format/record-view.js'
import type {Backend, RecordSink, RecordSource} from './backend.js'

export interface PartitionCheckpoint {
  /** Where the copy began: the first source offset and the destination's end at that time. */
  originSource: number
  originDest: number
  /** After the last acknowledged flush: the next source offset to copy and the destination's end. */
  nextSource: number
  destEnd: number
}

export interface MirrorCheckpoint {
  version: 1
  source: string
  destination: string
  partitions: Record<string, PartitionCheckpoint>
}

export interface MirrorOptions {
  topics?: string[]
  /** Copy these groups' committed offsets, translated to destination offsets (all groups: []). */
  groups?: string[]
  follow: boolean
  checkpointFile: string
  onProgress?: (copied: number, total: number) => void
  onWarning: (message: string) => void
  /** Flush and checkpoint after this many records (and at least every 250 ms). */
  flushRecords?: number
  /** The readers running now, so a caller can stop them (Ctrl-C). */
  control?: Set<RecordSource>
  stopped?: () => boolean
}

export interface MirrorResult {
  topics: Array<{topic: string; partitions: number; copied: number; skipped: number}>
  copied: number
  bytes: number
  groups: Array<{group: string; offsets: number}>
  seconds: number
}

export async function mirror(source: Backend, destination: Backend, options: MirrorOptions): Promise<MirrorResult> {
  const started = process.hrtime.bigint()
  const checkpoint = loadCheckpoint(options.checkpointFile, source.label, destination.label)
  const topics = options.topics ?? (await source.listTopics()).map((t) => t.topic)
  const result: MirrorResult = {topics: [], copied: 0, bytes: 0, groups: [], seconds: 0}
  let total = 0
  const plans: Array<{topic: string; partitions: number; starts: Map<number, {position: number; skip: number}>}> = []
  for (const topic of topics) {
    const partitions = await source.topicPartitions(topic)
    if (!(await destination.topicExists(topic))) {
      await destination.createTopic(topic, {partitions, config: {}})
    } else {
      const existing = await destination.topicPartitions(topic)
      if (existing < partitions) {
        throw new StromError('INVALID_ARGUMENT', `topic '${topic}' has ${partitions} partitions in ${source.label} but only ${existing} in ${destination.label}`, {
          hint: `add partitions there first: strom topic alter ${topic} --partitions ${partitions}`,
        })
      }
    }
    const sourceInfo = await source.describeTopic(topic)
    const destInfo = await destination.describeTopic(topic)
    const starts = new Map<number, {position: number; skip: number}>()
    for (let p = 0; p < partitions; p++) {
      const key = `${topic}:${p}`
      const destEnd = destInfo.partitions.find((x) => x.partition === p)?.endOffset ?? 0
      const srcStart = sourceInfo.partitions.find((x) => x.partition === p)?.logStartOffset ?? 0
      let saved = checkpoint.partitions[key]
      if (saved === undefined) {
        const destStart = destInfo.partitions.find((x) => x.partition === p)?.logStartOffset ?? 0
        if (destEnd > destStart) {
          throw new StromError('INVALID_ARGUMENT', `${destination.label} already holds messages in ${key} and no earlier mirror run into it is recorded in ${options.checkpointFile}`, {
            hint: 'mirror into an empty topic, or pass the --state file of the run that wrote them',
          })
        }
        saved = {originSource: srcStart, originDest: destEnd, nextSource: srcStart, destEnd}
        checkpoint.partitions[key] = saved
      }
      const skip = destEnd - saved.destEnd
      if (skip < 0) throw new StromError('INVALID_ARGUMENT', `${key} in ${destination.label} ends at ${destEnd}, before the ${saved.destEnd} recorded in ${options.checkpointFile}: it was truncated or recreated`, {hint: 'start over with a new --state file into an empty topic'})
      if (skip > 0) options.onWarning(`${key}: ${skip} record${skip === 1 ? '' : 's'} reached ${destination.label} after the last checkpoint; resuming past them`)
      starts.set(p, {position: Math.max(saved.nextSource, srcStart), skip})
      const srcEnd = sourceInfo.partitions.find((x) => x.partition === p)?.endOffset ?? 0
      total += Math.max(0, srcEnd - Math.max(saved.nextSource, srcStart) - skip)
    }
    plans.push({topic, partitions, starts})
  }
  // Written before anything is copied, so a kill during the first flush still finds the origins.
  saveCheckpoint(options.checkpointFile, checkpoint)

  let copiedAll = 0
  // Topics side by side: with --follow none of them ends.
  await Promise.all(plans.map(async (plan) => {
    if (options.stopped?.()) return
    const sink = await destination.openSink(plan.topic, {partitioner: 'sticky', sync: false, batchBytes: 256 * 1024, ordered: true})
    try {
      const copied = await copyTopic(source, sink, plan, checkpoint, options, (n) => {
        copiedAll += n
        options.onProgress?.(copiedAll, total)
      })
      result.topics.push({topic: plan.topic, partitions: plan.partitions, copied: copied.records, skipped: [...plan.starts.values()].reduce((n, s) => n + s.skip, 0)})
      result.copied += copied.records
      result.bytes += copied.bytes
    } finally {
      await sink.close()
    }
  }))
  result.topics.sort((a, b) => a.topic.localeCompare(b.topic))
  if (options.groups !== undefined) result.groups = await mirrorGroups(source, destination, options.groups, topics, checkpoint)
  result.seconds = Number(process.hrtime.bigint() - started) / 1e9
  return result
}

async function copyTopic(
  source: Backend,
  sink: RecordSink,
  plan: {topic: string; partitions: number; starts: Map<number, {position: number; skip: number}>},
  checkpoint: MirrorCheckpoint,
  options: MirrorOptions,
  onCopied: (n: number) => void,
): Promise<{records: number; bytes: number}> {
  const flushRecords = options.flushRecords ?? 20_000
  let records = 0
  let bytes = 0
  let sinceFlush = 0
  let lastFlushMs = Date.now()
  let sent = new Map<number, {lastSource: number; count: number}>()
  const skipLeft = new Map([...plan.starts].map(([p, s]) => [p, s.skip]))
  const flush = async () => {
    // What is sent up to here is what this flush acknowledges; records sent while it waits belong to the next.
    const acknowledged = sent
    const count = sinceFlush
    sent = new Map()
    sinceFlush = 0
    lastFlushMs = Date.now()
    await sink.flush()
    for (const [partition, s] of acknowledged) {
      const saved = checkpoint.partitions[`${plan.topic}:${partition}`]
      saved.nextSource = s.lastSource + 1
      saved.destEnd += s.count
    }
    if (acknowledged.size > 0) saveCheckpoint(options.checkpointFile, checkpoint)
    onCopied(count)
  }
  // One flush at a time, in order: each adds what it acknowledged to the checkpoint, and a later
  // flush completing first would record a destination end short of what is there.
  let flushing: Promise<void> = Promise.resolve()
  const flushInTurn = () => (flushing = flushing.then(flush))
  const due = () => sinceFlush >= flushRecords || (sinceFlush > 0 && Date.now() - lastFlushMs >= 250)
  const visit = (p: number, record: RecordView) => {
    const left = skipLeft.get(p) ?? 0
    const s = sent.get(p) ?? {lastSource: record.offset, count: 0}
    s.lastSource = record.offset
    // Either way the record is at the destination afterwards, so it counts toward its end.
    s.count++
    sent.set(p, s)
    if (left > 0) {
      // Already there (sent after the last checkpoint): step over it.
      skipLeft.set(p, left - 1)
      return
    }
    const key = record.key()
    const value = record.value()
    sink.sendBytes(key, value, record.timestamp, record.headerCount === 0 ? undefined : record.headers(), p)
    records++
    sinceFlush++
    bytes += (key?.length ?? 0) + Math.max(0, record.valueLength)
  }
  // One reader per partition (each starts at its own offset), all at once: following never ends.
  const readers = await Promise.all([...plan.starts].map(([partition, start]) =>
    source.openReader([{topic: plan.topic, partitions: [partition]}], {range: {start: {kind: 'absolute', offset: start.position}}, follow: options.follow, checkCrcs: true})))
  for (const reader of readers) options.control?.add(reader)
  // Following, a reader waits for new records without coming back here: what it copied last is
  // flushed (made visible, checkpointed) by this timer, not held until more arrives.
  let idleFlushError: unknown
  const idleFlush = options.follow
    ? setInterval(() => {
      if (!due()) return
      flushInTurn().catch((error: unknown) => {
        idleFlushError ??= error
        for (const reader of readers) reader.stop()
      })
    }, 250).unref()
    : undefined
  try {
    await Promise.all(readers.map((reader) => reader.run((_topic, p, record) => visit(p, record), async () => {
      const backlog = sink.drain?.()
      if (backlog !== undefined) await backlog
      if (due()) await flushInTurn()
      // A local source and destination never wait on anything: without this the copy would keep
      // the event loop busy to the end, and SIGINT/SIGTERM (handled there) would not stop it.
      await new Promise((resolve) => setImmediate(resolve))
    })))
  } finally {
    clearInterval(idleFlush)
    for (const reader of readers) options.control?.delete(reader)
    await flushInTurn()
  }
  if (idleFlushError !== undefined) throw idleFlushError
  return {records, bytes}
}

/** Committed offsets of the source's groups on the mirrored topics, as destination offsets. */
async function mirrorGroups(source: Backend, destination: Backend, groups: string[], topics: string[], checkpoint: MirrorCheckpoint): Promise<Array<{group: string; offsets: number}>> {
  const known = (await source.listGroups()).map((g) => g.group)
  const missing = groups.filter((g) => !known.includes(g))
  if (missing.length > 0) throw new StromError('UNKNOWN_GROUP', `${source.label} has no group ${missing.map((g) => `'${g}'`).join(', ')}`, {hint: 'list its groups with `strom group list`'})
  const names = groups.length > 0 ? groups : known
  const mirrored = new Set(topics)
  const out: Array<{group: string; offsets: number}> = []
  for (const group of names) {
    const offsets = (await source.committedOffsets(group)).filter((o) => mirrored.has(o.topic))
    const translated = offsets.flatMap((o) => {
      const saved = checkpoint.partitions[`${o.topic}:${o.partition}`]
      if (saved === undefined) return []
      // Records are copied one for one from the origin on, so the distance from the origin carries over
      // (exact unless the source partition has gaps, as a compacted topic does).
      const offset = Math.min(Math.max(saved.originDest + (o.offset - saved.originSource), saved.originDest), saved.destEnd)
      return [{topic: o.topic, partition: o.partition, offset}]
    })
    if (translated.length > 0) await destination.commitOffsets(group, translated)
    out.push({group, offsets: translated.length})
  }
  return out
}

function loadCheckpoint(file: string, source: string, destination: string): MirrorCheckpoint {
  let saved: MirrorCheckpoint | undefined
  try {
    saved = readJsonFile<MirrorCheckpoint>(file)
  } catch (error) {
    throw new StromError('INVALID_INPUT', `cannot read the mirror state ${file}: ${(error as Error).message}`, {hint: 'remove it to start over into empty topics'})
  }
  if (saved === undefined) return {version: 1, source, destination, partitions: {}}
  if (saved.version !== 1 || typeof saved.partitions !== 'object') throw new StromError('INVALID_INPUT', `${file} is not a strom mirror state file`)
  if (saved.source !== source || saved.destination !== destination) {
    throw new StromError('INVALID_ARGUMENT', `${file} records a mirror from ${saved.source} to ${saved.destination}, not from ${source} to ${destination}`, {hint: 'give another --state file'})
  }
  return saved
}

function saveCheckpoint(file: string, checkpoint: MirrorCheckpoint): void {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  writeJsonAtomic(file, checkpoint)
}
