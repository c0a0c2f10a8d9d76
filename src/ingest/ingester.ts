/**
 * `strom ingest`: follows files like `tail -F` and appends each line to a topic.
 *  - rotation by rename: the old file is read to its end, then the new one from its start;
 *  - rotation by copytruncate: a file that shrank, or whose bytes before the read position changed
 *    (truncated, then written past the old position before we looked), is read again from its
 *    start, after the rest of its previous version is read from the copy beside it, if one is found;
 *  - files matching a pattern that appear later are picked up at the next scan, from their start
 *    (`startAt: 'end'` applies only to the files there at the first scan);
 *  - positions are saved in the log directory after each append that catches up (at most every
 *    second while a backlog is read in rounds), and each message carries the
 *    byte position after its line (`pos` header), so a restart resumes exactly where the topic
 *    ends for that file: no line lost, none repeated.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Header} from '../core/format/record-batch.js'
import type {Topic} from '../core/log.js'
import {ChangeWaiter} from '../core/partition/follow.js'
import {Producer} from '../core/producer.js'
import {BATCH, LOG_OVERHEAD, RecordCursor} from '../core/format/record-batch.js'
import {expandPatterns} from './glob.js'
import {ReadPositions} from './read-positions.js'

export type KeyMode = 'file' | 'host' | 'none'

export interface IngestOptions {
  keyMode: KeyMode
  /** Where to start a file never seen before that is there at the first scan (later ones start at 0). */
  startAt: 'beginning' | 'end'
  pollMs: number
  /** Stop once every file has been read to its end (instead of following). */
  once: boolean
  onWarning: (message: string) => void
}

interface TrackedFile {
  path: string
  fd: number
  inode: number
  position: number
  /** markAt(position) as of the last read: if it changes, the file was truncated and rewritten. */
  mark: Buffer
  /** The largest size seen for this version of the file (to bound what a truncation lost). */
  seenSize: number
}

const READ_BYTES = 1024 * 1024
/**
 * How long one round (reading, then one commit) may read before it commits and lets the event loop
 * run: a large backlog, or a file written as fast as it is read, is read in rounds, so SIGINT and
 * SIGTERM (handled on the event loop) stop ingest within about this long.
 */
const ROUND_MS = 100
/** Lines sent between two looks at the clock (a few milliseconds of work). */
const LINES_PER_CLOCK_CHECK = 1024
/** Saving positions while a backlog is read in rounds: at most this often. */
const COMMIT_MS = 1000
/** Bytes kept from the head of a file and from just before the read position, to recognise it. */
const MARK_BYTES = 64

/**
 * The first min(64, position) bytes of the file followed by the min(64, position) bytes before
 * position: enough to tell that the bytes already read are still there (or are in a copy).
 */
function markAt(fd: number, position: number): Buffer {
  const n = Math.min(MARK_BYTES, position)
  const mark = Buffer.alloc(2 * n)
  const head = fs.readSync(fd, mark, 0, n, 0)
  const tail = fs.readSync(fd, mark, n, n, position - n)
  return head + tail === 2 * n ? mark : mark.subarray(0, head + tail)
}

export class Ingester {
  private readonly positions: ReadPositions
  private readonly producer: Producer
  private readonly tracked = new Map<string, TrackedFile>()
  private readonly waiter: ChangeWaiter
  private readonly host = os.hostname()
  private stopped = false
  private firstScan = true
  /** When the current round stops reading (see ROUND_MS), and whether it stopped before the ends of the files. */
  private roundEnds = 0
  private roundCutShort = false
  private lastCommitMs = 0
  readonly stats = {lines: 0, files: 0}

  constructor(private readonly topic: Topic, private readonly patterns: string[], private readonly options: IngestOptions) {
    this.positions = new ReadPositions(topic.log.dir, topic.name)
    this.producer = new Producer(topic)
    this.waiter = new ChangeWaiter([...new Set(patterns.map((p) => path.dirname(path.resolve(p))))].filter((d) => fs.existsSync(d)), options.pollMs)
  }

  stop(): void {
    this.stopped = true
    this.waiter.signal()
  }

  async run(): Promise<void> {
    try {
      while (!this.stopped) {
        this.roundEnds = Date.now() + ROUND_MS
        this.roundCutShort = false
        this.discover()
        let read = 0
        for (const file of this.tracked.values()) read += this.pump(file)
        // Positions are saved (two fsyncs) when caught up, and in a backlog read in rounds at most
        // every COMMIT_MS; a stop commits in `finally`, and a crash is repaired from the pos headers.
        if (!this.roundCutShort || Date.now() - this.lastCommitMs >= COMMIT_MS) this.commit()
        if (read === 0) {
          if (this.options.once) break
          await this.waiter.wait()
        } else {
          // Reading is synchronous: without this, a file that grows as fast as it is read would
          // keep the event loop busy for good, and SIGINT/SIGTERM (handled there) would never stop it.
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
    } finally {
      this.commit()
      for (const file of this.tracked.values()) fs.closeSync(file.fd)
      this.positions.releaseAll()
      this.topic.close()
    }
  }

  /** Opens files that match the patterns and are not followed yet, resuming from saved positions. */
  private discover(): void {
    for (const file of expandPatterns(this.patterns)) {
      if (this.tracked.has(file)) continue
      this.positions.claim(file)
      const saved = this.positions.read(file)
      const stat = fs.statSync(file)
      let position = 0
      if (saved !== undefined) {
        const confirmed = Math.max(saved.position, this.lastAppendedPosition(file, saved.endOffsets))
        if (saved.inode === stat.ino) position = confirmed
        else this.finishRotatedWhileAway(file, saved.inode, confirmed)
      } else if (this.options.startAt === 'end' && this.firstScan) {
        // Only files there at start: one that appears later is new, and all of it is wanted.
        position = stat.size
      }
      if (position > stat.size) {
        this.options.onWarning(`${file} is shorter (${stat.size} bytes) than the position saved for it (${position}): truncated while ingest was stopped (copytruncate?), reading it from the start; lines written after byte ${position} before the truncation were not read`)
        position = 0
      }
      const fd = fs.openSync(file, 'r')
      this.tracked.set(file, {path: file, fd, inode: stat.ino, position, mark: markAt(fd, position), seenSize: stat.size})
      this.stats.files++
    }
    this.firstScan = false
  }

  /** Reads what is new in one file (handling rotation and truncation); returns bytes consumed. */
  private pump(file: TrackedFile): number {
    let consumed = 0
    let size = fs.fstatSync(file.fd).size
    if (size < file.position || !markAt(file.fd, file.position).equals(file.mark)) {
      // The size again: a truncation between the fstat above and the mark's read is seen only by
      // the mark, and the warning should give the size the file has after it, not before.
      size = fs.fstatSync(file.fd).size
      consumed += this.recoverTruncated(file, size)
    }
    file.seenSize = Math.max(file.seenSize, size)
    consumed += this.readLines(file, false)
    let current: fs.Stats | undefined
    try {
      current = fs.statSync(file.path)
    } catch {
      return consumed // renamed away and not recreated yet: keep the old descriptor
    }
    if (current.ino !== file.inode) {
      // Rotated by rename: finish the old file (including a last line without newline), then switch.
      consumed += this.readLines(file, true)
      fs.closeSync(file.fd)
      file.fd = fs.openSync(file.path, 'r')
      file.inode = fs.fstatSync(file.fd).ino
      file.position = 0
      file.mark = Buffer.alloc(0)
      file.seenSize = 0
      consumed += this.readLines(file, false)
    }
    return consumed
  }

  /**
   * Sends complete lines from file.position on, until the end of the file or of the round (the next
   * round reads on); with `final`, to the end of the file whatever the time, a trailing partial
   * line too.
   */
  private readLines(file: TrackedFile, final: boolean): number {
    let total = 0
    let lines = 0
    let outOfTime = false
    const buffer = Buffer.allocUnsafe(READ_BYTES)
    while (!outOfTime) {
      const n = fs.readSync(file.fd, buffer, 0, buffer.length, file.position)
      if (n === 0) break
      let end = buffer.lastIndexOf(10, n - 1)
      if (end < 0) {
        if (n === buffer.length) end = n - 1 // a line longer than the buffer: cut it here
        else if (final) end = n - 1
        else break
      }
      const now = Date.now()
      let start = 0
      while (start <= end) {
        let nl = buffer.indexOf(10, start)
        if (nl < 0 || nl > end) nl = end + 1
        const lineEnd = nl <= end && buffer[nl] === 10 ? nl : end + 1
        this.send(file, buffer.subarray(start, lineEnd), file.position + Math.min(nl + 1, end + 1), now)
        start = nl + 1
        if (!final && ++lines % LINES_PER_CLOCK_CHECK === 0 && Date.now() >= this.roundEnds) {
          outOfTime = true
          this.roundCutShort = true
          break
        }
      }
      // Up to the end of the last line sent (start is past `end` when the chunk was used up).
      const used = Math.min(start, end + 1)
      file.position += used
      total += used
      if (n < buffer.length && used === n) break
    }
    if (total > 0) file.mark = markAt(file.fd, file.position)
    return total
  }

  /**
   * The file was truncated in place (copytruncate): what was written after file.position before
   * the truncation is gone from it. logrotate copied it first, so the rest is read from that copy
   * (a file beside it whose bytes at the head and before file.position are the ones we read), then
   * the file is read again from its start. Returns the bytes read from the copy.
   */
  private recoverTruncated(file: TrackedFile, size: number): number {
    const readBefore = file.position
    const copy = readBefore > 0 ? this.findCopy(file) : undefined
    let recovered = 0
    let lines = 0
    if (copy !== undefined) {
      const fd = fs.openSync(copy, 'r')
      try {
        const before = this.stats.lines
        const version: TrackedFile = {...file, fd}
        recovered = this.readLines(version, true)
        lines = this.stats.lines - before
      } finally {
        fs.closeSync(fd)
      }
    }
    const what = `${file.path} was truncated (copytruncate?) after ${readBefore} bytes of it had been read (${size} bytes now)`
    if (copy !== undefined) {
      this.options.onWarning(`${what}: read its last ${lines} lines (${recovered} bytes) from its copy ${copy}; lines written between that copy and the truncation, if any, cannot be seen`)
    } else if (readBefore > 0) {
      const unread = file.seenSize - readBefore
      this.options.onWarning(`${what}, and no copy of it was found in ${path.dirname(file.path)}: lines written after byte ${readBefore} before the truncation were lost (${unread > 0 ? `at least ${unread} bytes` : 'how many is unknown without the copy'})`)
    }
    file.position = 0
    file.mark = Buffer.alloc(0)
    file.seenSize = size
    return recovered
  }

  /** The newest file beside this one that holds, unchanged, the bytes read from it so far. */
  private findCopy(file: TrackedFile): string | undefined {
    const dir = path.dirname(file.path)
    let best: {path: string; mtimeMs: number} | undefined
    for (const name of fs.readdirSync(dir)) {
      const candidate = path.join(dir, name)
      if (candidate === file.path) continue
      try {
        const stat = fs.statSync(candidate)
        if (!stat.isFile() || stat.ino === file.inode || stat.size < file.position) continue
        if (best !== undefined && stat.mtimeMs <= best.mtimeMs) continue
        const fd = fs.openSync(candidate, 'r')
        try {
          if (markAt(fd, file.position).equals(file.mark)) best = {path: candidate, mtimeMs: stat.mtimeMs}
        } finally {
          fs.closeSync(fd)
        }
      } catch {
        continue // vanished or unreadable: not the copy
      }
    }
    return best?.path
  }

  private send(file: TrackedFile, line: Buffer, positionAfter: number, timestamp: number): void {
    const headers: Header[] = [
      {key: 'file', value: Buffer.from(file.path)},
      {key: 'host', value: Buffer.from(this.host)},
      {key: 'pos', value: Buffer.from(String(positionAfter))},
    ]
    const key = this.options.keyMode === 'file' ? Buffer.from(file.path) : this.options.keyMode === 'host' ? Buffer.from(this.host) : null
    this.producer.sendBytes(key, line, timestamp, headers)
    this.stats.lines++
  }

  /** Appends pending lines, then records positions (append first: a crash in between is repaired on restart). */
  private commit(): void {
    this.lastCommitMs = Date.now()
    if (this.producer.pendingRecords() === 0) return
    this.producer.flush()
    const endOffsets: Record<string, number> = {}
    for (let p = 0; p < this.topic.partitions; p++) endOffsets[String(p)] = this.topic.reader(p).endOffset()
    for (const file of this.tracked.values()) this.positions.save({path: file.path, inode: file.inode, position: file.position, endOffsets})
  }

  /** The `pos` of the last record of this file appended after the saved end offsets (0 if none). */
  private lastAppendedPosition(file: string, endOffsets: Record<string, number>): number {
    let best = 0
    const wanted = Buffer.from(file)
    const record = new RecordCursor()
    for (let p = 0; p < this.topic.partitions; p++) {
      const reader = this.topic.reader(p)
      const cursor = reader.openCursor(endOffsets[String(p)] ?? reader.logStartOffset())
      try {
        for (let chunk = cursor.read(); chunk !== undefined; chunk = cursor.read()) {
          for (let at = chunk.start; at < chunk.end; at += chunk.buffer.readInt32BE(at + BATCH.batchLength) + LOG_OVERHEAD) {
            record.reset(chunk.buffer, at)
            while (record.next()) {
              const headers = record.headers()
              if (!headers.some((h) => h.key === 'file' && h.value?.equals(wanted))) continue
              const pos = Number(headers.find((h) => h.key === 'pos')?.value?.toString())
              if (Number.isSafeInteger(pos) && pos > best) best = pos
            }
          }
        }
      } finally {
        cursor.close()
      }
    }
    return best
  }

  /** The file was rotated while no ingest ran: finish the renamed original if it is still nearby. */
  private finishRotatedWhileAway(file: string, inode: number, position: number): void {
    const dir = path.dirname(file)
    for (const name of fs.readdirSync(dir)) {
      const candidate = path.join(dir, name)
      try {
        if (fs.statSync(candidate).ino !== inode) continue
      } catch {
        continue
      }
      const fd = fs.openSync(candidate, 'r')
      try {
        const rotated: TrackedFile = {path: file, fd, inode, position, mark: Buffer.alloc(0), seenSize: 0}
        this.readLines(rotated, true)
      } finally {
        fs.closeSync(fd)
      }
      this.options.onWarning(`${file} was rotated while ingest was stopped: finished its previous version ${candidate} first`)
      return
    }
    this.options.onWarning(`${file} was rotated while ingest was stopped and its previous version is gone: lines written to it after position ${position} could not be read`)
  }
}
