/**
 * Fetch, served from segment bytes: each partition's answer is whole batches as they are stored,
 * starting with the batch that holds the fetch offset (the client drops the records before its
 * position). At least one batch per partition even past partition_max_bytes (KIP-74), so a large
 * batch never blocks a consumer. Long polling: while fewer than min_bytes are ready, wait for an
 * append (partition-watch.ts) up to max_wait_ms.
 *
 * Cursors live on the connection: a consumer's next fetch normally starts where the last one
 * ended, so it continues reading the open segment without another index lookup.
 *
 * Isolation (v4+): every answer carries the partition's last stable offset (LSO: below the first
 * offset of its oldest open transaction, else the end). read_committed (isolation_level 1) is
 * served only batches below the LSO, with the aborted transactions overlapping them, from which
 * the client skips aborted batches itself (Kafka's Fetcher does; control batches it always skips).
 * read_uncommitted gets everything, as before, and no aborted list (null, as Kafka sends).
 */
import type {Topic} from '../../core/log.js'
import {BATCH, LOG_OVERHEAD, readInt64} from '../../core/format/record-batch.js'
import {type TransactionsView, abortedTransactions} from '../../core/txn/isolation.js'
import type {ServerContext} from '../context.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import {BufferPool} from '../buffer-pool.js'
import {topicIdOf, topicNameOf} from '../topic-ids.js'
import type {ApiHandler, ConnectionState} from './types.js'

interface FetchPartitionRequest {
  partition: number
  fetchOffset: number
  partitionMaxBytes: number
}

/** The request as this handler uses it; from v13 topics come by id, resolved to names first. */
interface FetchRequest {
  isolationLevel?: number
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  topics: Array<{topic: string; topicId: string; partitions: FetchPartitionRequest[]}>
}

interface FetchPartitionResponse {
  partitionIndex: number
  errorCode: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
  abortedTransactions: Array<{producerId: number; firstOffset: number}> | null
  /**
   * Whole record batches, as stored; empty (never null) with an error, as Kafka sends it. Several
   * chunks as read from the segment are sent as they are (spliced into the response, see
   * protocol/writer.ts), not concatenated first.
   */
  records: Buffer | Buffer[]
}

const MAX_CURSORS_PER_CONNECTION = 1000
/**
 * Cursors read this much at a time: a fetch gathers several reads up to partition_max_bytes, so a
 * connection holds 64 KiB per partition it follows, not the client's maximum (often 1 MiB).
 */
const READ_BYTES = 64 * 1024
/** Read buffers of fetch cursors, recycled (buffer-pool.ts): 16 MiB kept at most, for all connections. */
const readBuffers = new BufferPool(READ_BYTES, 256)

export const handleFetch: ApiHandler = async (ctx, request, body) => {
  const byId = request.header.apiVersion >= 13
  const req = body as FetchRequest
  // Topics asked for by id: an unknown id is answered UNKNOWN_TOPIC_ID under that id.
  if (byId) for (const t of req.topics) t.topic = topicNameOf(ctx, t.topicId) ?? ''
  const deadline = Date.now() + Math.max(0, Math.min(req.maxWaitMs, 30_000))
  let topics = readAll(ctx, request.connection, req)
  while (!request.connection.signal.aborted) {
    const bytes = countBytes(topics)
    const hasError = topics.some((t) => t.partitions.some((p) => p.errorCode !== ERR.NONE))
    const remaining = deadline - Date.now()
    if (bytes > 0 && bytes >= req.minBytes) break
    if (hasError || remaining <= 0) break
    await ctx.watch.wait(partitionDirs(ctx, req), remaining, request.connection.signal)
    topics = readAll(ctx, request.connection, req)
  }
  return {responses: topics}
}

function countBytes(topics: Array<{partitions: FetchPartitionResponse[]}>): number {
  let total = 0
  for (const t of topics) for (const p of t.partitions) total += recordBytes(p)
  return total
}

function recordBytes(p: FetchPartitionResponse): number {
  if (!Array.isArray(p.records)) return p.records.length
  let total = 0
  for (const chunk of p.records) total += chunk.length
  return total
}

function partitionDirs(ctx: ServerContext, req: FetchRequest): string[] {
  const dirs: string[] = []
  for (const t of req.topics) {
    try {
      const topic = ctx.topics.get(t.topic)
      if (topic !== undefined) for (const p of t.partitions) if (p.partition >= 0 && p.partition < topic.partitions) dirs.push(topic.partitionDir(p.partition))
    } catch {
      // an invalid name is answered with an error, nothing to watch
    }
  }
  return dirs
}

/** What isolation needs of one fetch: the transactions' view, taken after every partition's end offset was read. */
interface Isolation {
  committed: boolean
  view: TransactionsView
  /** read_committed: end offsets read before the view, by "topic\\0partition" (a transaction not in the view starts at or after them). */
  ends: Map<string, number>
}

function isolationFor(ctx: ServerContext, req: FetchRequest): Isolation {
  const committed = req.isolationLevel === 1
  const ends = new Map<string, number>()
  // read_uncommitted readers only report the LSO (lag metrics), never filter by it: no extra pass.
  if (committed) for (const t of req.topics) {
    try {
      const topic = t.topic === '' ? undefined : ctx.topics.get(t.topic)
      if (topic !== undefined) for (const p of t.partitions) if (p.partition >= 0 && p.partition < topic.partitions) ends.set(`${t.topic}\0${p.partition}`, topic.reader(p.partition).endOffset())
    } catch {
      // answered with its error by readPartition
    }
  }
  return {committed, view: ctx.transactions.view(), ends}
}

function readAll(ctx: ServerContext, connection: ConnectionState, req: FetchRequest) {
  let budget = req.maxBytes > 0 ? req.maxBytes : Number.MAX_SAFE_INTEGER
  const isolation = isolationFor(ctx, req)
  return req.topics.map((t) => {
    let topic: Topic | undefined
    let topicError: number = ERR.NONE
    try {
      topic = t.topic === '' ? undefined : ctx.topics.get(t.topic)
      if (topic === undefined) topicError = t.topic === '' ? ERR.UNKNOWN_TOPIC_ID : ERR.UNKNOWN_TOPIC_OR_PARTITION
    } catch (error) {
      topicError = kafkaErrorCode(error)
    }
    return {
      topic: t.topic,
      topicId: t.topic === '' ? t.topicId : topicIdOf(t.topic),
      partitions: t.partitions.map((p) => {
        if (topic === undefined) return failed(p.partition, topicError)
        const answer = readPartition(ctx, connection, topic, p, budget, isolation)
        budget -= recordBytes(answer)
        return answer
      }),
    }
  })
}

/**
 * A partition answered with an error carries an empty records field (length 0) and -1 for its
 * offsets, as Kafka's broker sends it: a null field (length -1) is, to librdkafka, an "invalid
 * MessageSetSize -1" that it retries at once, tens of thousands of times a second, instead of
 * acting on the error (resetting its position on OFFSET_OUT_OF_RANGE).
 */
function failed(partitionIndex: number, errorCode: number): FetchPartitionResponse {
  return {partitionIndex, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, records: Buffer.alloc(0)}
}

function readPartition(ctx: ServerContext, connection: ConnectionState, topic: Topic, p: FetchPartitionRequest, budget: number, isolation: Isolation): FetchPartitionResponse {
  if (p.partition < 0 || p.partition >= topic.partitions) return failed(p.partition, ERR.UNKNOWN_TOPIC_OR_PARTITION)
  try {
    const reader = topic.reader(p.partition)
    const logStart = reader.logStartOffset()
    const end = reader.endOffset()
    if (p.fetchOffset < logStart || p.fetchOffset > end) return failed(p.partition, ERR.OFFSET_OUT_OF_RANGE)
    // The LSO from the end read before the view, never above it (see Isolation).
    const endBeforeView = Math.min(end, isolation.ends.get(`${topic.name}\0${p.partition}`) ?? end)
    const stable = isolation.view.lastStableOffset(topic.name, p.partition, endBeforeView)
    const limit = isolation.committed ? stable : Number.MAX_SAFE_INTEGER
    const empty: FetchPartitionResponse = {partitionIndex: p.partition, errorCode: ERR.NONE, highWatermark: end, lastStableOffset: stable, logStartOffset: logStart, abortedTransactions: isolation.committed ? [] : null, records: Buffer.alloc(0)}
    if (p.fetchOffset >= Math.min(end, limit) || budget <= 0) return empty
    const cursor = cursorFor(connection, topic, p.partition, p.fetchOffset, READ_BYTES)
    const maxBytes = Math.min(p.partitionMaxBytes, budget)
    const chunks: Buffer[] = []
    let total = 0
    // The first batch is returned whole even when it is larger than the limit (KIP-74).
    while (total === 0 || total < maxBytes) {
      const chunk = cursor.read()
      if (chunk === undefined) break
      const cut = isolation.committed ? firstBatchAtOrAbove(chunk.buffer, chunk.start, chunk.end, limit) : chunk.end
      if (cut > chunk.start) {
        // No copy: the answer keeps the buffer the cursor read into, which goes back to the pool
        // once the socket has taken the answer; the cursor reads into another from the pool.
        const kept = cursor.handOver(readBuffers.take())
        connection.afterResponse.push(() => readBuffers.give(kept))
        chunks.push(kept.subarray(chunk.start, cut))
      }
      total += cut - chunk.start
      if (cut < chunk.end) {
        // Unstable batches were read: the next fetch starts at the LSO.
        cursor.seek(limit)
        break
      }
    }
    if (total === 0) return empty
    const highWatermark = Math.max(end, cursor.nextOffset)
    const records = chunks.length === 1 ? chunks[0]! : chunks
    if (!isolation.committed) return {...empty, highWatermark, lastStableOffset: isolation.view.lastStableOffset(topic.name, p.partition, highWatermark), records}
    const aborted = abortedTransactions(topic.partitionDir(p.partition), reader.segmentBases(), isolation.view, topic.name, p.partition, p.fetchOffset, lastOffsetIn(chunks[chunks.length - 1]!) + 1)
    return {...empty, abortedTransactions: aborted.map((a) => ({producerId: a.producerId, firstOffset: a.firstOffset})), records}
  } catch (error) {
    ctx.options.log(`fetch from ${topic.name}/${p.partition} at ${p.fetchOffset} failed: ${errorMessage(error)}`)
    connection.cursors.get(`${topic.name}\0${p.partition}`)?.cursor.close()
    connection.cursors.delete(`${topic.name}\0${p.partition}`)
    return failed(p.partition, kafkaErrorCode(error))
  }
}

/** Where the first batch with a base offset at or above `limit` starts in buf[start, end) (end if none). */
function firstBatchAtOrAbove(buf: Buffer, start: number, end: number, limit: number): number {
  for (let at = start; at < end; at += buf.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD) if (readInt64(buf, at + BATCH.baseOffset) >= limit) return at
  return end
}

/** The last offset of the last batch in whole batches. */
function lastOffsetIn(buf: Buffer): number {
  let last = -1
  for (let at = 0; at < buf.length; at += buf.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD) last = readInt64(buf, at + BATCH.baseOffset) + buf.readInt32BE(at + BATCH.lastOffsetDelta)
  return last
}

function cursorFor(connection: ConnectionState, topic: Topic, partition: number, offset: number, readBytes: number) {
  const key = `${topic.name}\0${partition}`
  const entry = connection.cursors.get(key)
  if (entry !== undefined && entry.topic === topic && entry.readBytes === readBytes && entry.cursor.nextOffset === offset) return entry.cursor
  entry?.cursor.close()
  connection.cursors.delete(key)
  if (connection.cursors.size >= MAX_CURSORS_PER_CONNECTION) {
    const [oldest, old] = connection.cursors.entries().next().value as [string, {cursor: {close(): void}}]
    old.cursor.close()
    connection.cursors.delete(oldest)
  }
  const cursor = topic.reader(partition).openCursor(offset, {readBytes})
  connection.cursors.set(key, {topic, cursor, readBytes})
  return cursor
}
