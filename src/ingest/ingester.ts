/**
 * `strom ingest`: follows files like `tail -F` and appends each line to a topic.
 *  - rotation by rename: the old file is read to its end, then the new one from its start;
 *  - rotation by copytruncate: a file that shrank is read again from its start;
 *  - files matching a pattern that appear later are picked up at the next scan;
 *  - positions are saved in the log directory after every append, and each message carries the
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
import {RecordCursor} from '../core/format/record-batch.js'
import {expandPatterns} from './glob.js'
import {ReadPositions} from './read-positions.js'

export type KeyMode = 'file' | 'host' | 'none'

export interface IngestOptions {
  keyMode: KeyMode
  /** Where to start a file never seen before. */
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
}

const READ_BYTES = 1024 * 1024

export class Ingester {
  private readonly positions: ReadPositions
  private readonly producer: Producer
  private readonly tracked = new Map<string, TrackedFile>()
  private readonly waiter: ChangeWaiter
  private readonly host = os.hostname()
  private stopped = false
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
        this.discover()
        let read = 0
        for (const file of this.tracked.values()) read += this.pump(file)
        this.commit()
        if (read === 0) {
          if (this.options.once) break
          await this.waiter.wait()
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
      } else if (this.options.startAt === 'end') {
        position = stat.size
      }
      if (position > stat.size) position = 0 // truncated while we were away
      this.tracked.set(file, {path: file, fd: fs.openSync(file, 'r'), inode: stat.ino, position})
      this.stats.files++
    }
  }

  /** Reads what is new in one file (handling rotation and truncation); returns bytes consumed. */
  private pump(file: TrackedFile): number {
    let consumed = 0
    const size = fs.fstatSync(file.fd).size
    if (size < file.position) {
      this.options.onWarning(`${file.path} shrank from ${file.position} to ${size} bytes (copytruncate?): reading it again from the start`)
      file.position = 0
    }
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
      consumed += this.readLines(file, false)
    }
    return consumed
  }

  /** Sends complete lines from file.position on; with `final`, a trailing partial line too. */
  private readLines(file: TrackedFile, final: boolean): number {
    let total = 0
    const buffer = Buffer.allocUnsafe(READ_BYTES)
    for (;;) {
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
      }
      const used = end + 1
      file.position += used
      total += used
      if (n < buffer.length && used === n) break
    }
    return total
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
          for (let at = chunk.start; at < chunk.end; at += chunk.buffer.readInt32BE(at + 8) + 12) {
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
        const rotated: TrackedFile = {path: file, fd, inode, position}
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
