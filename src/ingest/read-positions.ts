/**
 * How far `strom ingest` has read each file, kept in the log directory so a restarted ingest
 * neither loses nor repeats lines, and the claim that stops two ingests from reading one file.
 *
 *   <dir>/ingest/<topic>/<id>.json   {"version":1,"path","inode","position","endOffsets":{partition:offset},"pid","updatedMs"}
 *   <dir>/ingest/<topic>/<id>.lock   held (OS lock) by the ingest process reading the file
 *
 * <id> is a hash of the file's absolute path. `position` is the byte after the last line appended;
 * `endOffsets` are the topic's end offsets right after that append. Every message carries a `pos`
 * header (the byte after its line), so after a crash between an append and the position save, the
 * records past `endOffsets` tell exactly how far the file really got.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../core/errors.js'
import {readJsonFile, writeJsonAtomic} from '../core/io/atomic-file.js'
import {FileLock} from '../core/io/file-lock.js'

export interface FilePosition {
  version: number
  path: string
  inode: number
  position: number
  endOffsets: Record<string, number>
  pid: number
  updatedMs: number
}

export class ReadPositions {
  private readonly dir: string
  private readonly claims = new Map<string, FileLock>()

  constructor(logDir: string, topic: string) {
    this.dir = path.join(logDir, 'ingest', topic)
    fs.mkdirSync(this.dir, {recursive: true})
  }

  private id(file: string): string {
    return crypto.createHash('sha256').update(file).digest('hex').slice(0, 24)
  }

  /** Claims a file for this process; throws when another ingest holds it. */
  claim(file: string): void {
    if (this.claims.has(file)) return
    const lock = new FileLock(path.join(this.dir, `${this.id(file)}.lock`))
    if (!lock.tryAcquire()) {
      lock.close()
      const holder = this.read(file)?.pid
      throw new StromError('BUSY', `${file} is already being ingested by another strom ingest${holder === undefined ? '' : ` (pid ${holder})`}`, {
        hint: 'stop the other ingest first; two ingests of one file would duplicate its lines',
      })
    }
    this.claims.set(file, lock)
  }

  read(file: string): FilePosition | undefined {
    try {
      return readJsonFile<FilePosition>(path.join(this.dir, `${this.id(file)}.json`))
    } catch {
      return undefined
    }
  }

  save(entry: Omit<FilePosition, 'version' | 'pid' | 'updatedMs'>): void {
    writeJsonAtomic(path.join(this.dir, `${this.id(entry.path)}.json`), {version: 1, ...entry, pid: process.pid, updatedMs: Date.now()})
  }

  releaseAll(): void {
    for (const lock of this.claims.values()) lock.close()
    this.claims.clear()
  }
}
