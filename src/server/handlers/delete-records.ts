/**
 * DeleteRecords moves partitions' log start forward, as `strom log delete-records` does (the
 * engine's deleteRecords: whole segments below it go at once). Offset -1 means the high
 * watermark. Retention holds (retention.hold.groups) are respected, as on the command line without
 * --ignore-holds; a refusal is logged with its reason, since the response has no message field.
 *
 * deleteRecords waits for the partition's cleaner lock in the kernel, which would stall the whole
 * server behind another process's compaction; so while that lock is taken, this handler waits
 * asynchronously, up to the request's timeout.
 */
import path from 'node:path'
import {fileLockFor} from '../../core/io/file-lock.js'
import {deleteRecords} from '../../core/maintenance/delete-records.js'
import {partitionRefs} from '../../core/maintenance/partition-ref.js'
import {CLEANER_LOCK_FILE} from '../../core/partition/partition-files.js'
import type {ServerContext} from '../context.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {Struct} from '../../protocol/schema.js'
import type {ApiHandler} from './types.js'

const LOCK_RETRY_MS = 20
const HIGH_WATERMARK = -1

interface DeleteRecordsTopic {
  name: string
  partitions: Array<{partitionIndex: number; offset: number}>
}

export const handleDeleteRecords: ApiHandler = async (ctx, request, req) => {
  const deadline = Date.now() + Math.max(0, Math.min(req.timeoutMs as number, 30_000))
  const topics: Struct[] = []
  for (const t of req.topics as DeleteRecordsTopic[]) {
    const partitions: Struct[] = []
    for (const p of t.partitions) {
      partitions.push(await deleteBefore(ctx, t.name, p.partitionIndex, p.offset, deadline, request.connection.signal))
    }
    topics.push({name: t.name, partitions})
  }
  return {throttleTimeMs: 0, topics}
}

async function deleteBefore(ctx: ServerContext, name: string, partition: number, offset: number, deadline: number, signal: AbortSignal): Promise<Struct> {
  const fail = (errorCode: number) => ({partitionIndex: partition, lowWatermark: -1, errorCode})
  try {
    const topic = ctx.topics.get(name)
    if (topic === undefined || partition < 0 || partition >= topic.partitions) return fail(ERR.UNKNOWN_TOPIC_OR_PARTITION)
    if (offset < HIGH_WATERMARK) return fail(ERR.OFFSET_OUT_OF_RANGE)
    const [ref] = partitionRefs(topic, [partition])
    if (!(await cleanerLockFree(ref.partitionDir, deadline, signal))) return fail(ERR.REQUEST_TIMED_OUT)
    const result = deleteRecords(ref, offset === HIGH_WATERMARK ? 'end' : offset)
    // The topic's reader trusts its segment listing for 20 ms; the very next ListOffsets (kafkajs sends one at once) must see the new log start.
    topic.reader(partition).refreshSegmentBases()
    if (result.logStartOffset !== result.previousLogStartOffset) ctx.options.log(`${name}/${partition}: log start ${result.previousLogStartOffset} -> ${result.logStartOffset} (DeleteRecords)`)
    return {partitionIndex: partition, lowWatermark: result.logStartOffset, errorCode: ERR.NONE}
  } catch (error) {
    ctx.options.log(`DeleteRecords ${name}/${partition} before ${offset}: ${errorMessage(error)}`)
    return fail(kafkaErrorCode(error))
  }
}

/** Waits without blocking the event loop until nobody holds the partition's cleaner lock (a compaction, retention or repair elsewhere). */
async function cleanerLockFree(partitionDir: string, deadline: number, signal: AbortSignal): Promise<boolean> {
  const lock = fileLockFor(path.join(partitionDir, CLEANER_LOCK_FILE))
  for (;;) {
    if (lock.tryAcquire()) {
      lock.release()
      return true
    }
    if (Date.now() >= deadline || signal.aborted) return false
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS))
  }
}
