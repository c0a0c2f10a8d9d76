/**
 * Nothing is destroyed without a copy: every byte `log repair` cuts is first written to a
 * quarantine file under the log directory, fsynced, with a JSON note saying where it came from:
 *
 *   <dir>/quarantine/<topic>/<partition>/<segment>.log.<position>.<time>.bin    the bytes, verbatim
 *   <dir>/quarantine/<topic>/<partition>/<segment>.log.<position>.<time>.json   {topic, partition, segment, position, bytes, reason, ...}
 *
 * A quarantine directory that is a symlink is refused, so a planted link cannot make repair write
 * outside the log directory.
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {segmentPrefix} from '../format/segment-files.js'
import {fsyncDirectory} from '../io/atomic-file.js'

export const QUARANTINE_DIR = 'quarantine'

export interface QuarantineNote {
  topic: string
  partition: number
  segment: number
  position: number
  bytes: number
  firstOffset?: number
  reason: string
  repairedAt: string
}

export function quarantineDir(logDir: string, topic: string, partition: number): string {
  let dir = logDir
  for (const part of [QUARANTINE_DIR, topic, String(partition)]) {
    dir = path.join(dir, part)
    try {
      fs.mkdirSync(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (fs.lstatSync(dir).isSymbolicLink() || !fs.lstatSync(dir).isDirectory()) {
      throw new StromError('IO_ERROR', `${dir} is not a plain directory (a symlink?): refusing to write quarantine files through it`, {hint: 'remove it; strom creates it again'})
    }
  }
  return dir
}

/** Copies bytes [note.position, note.position + note.bytes) of `sourceFd` (about to be cut) into a new quarantine file; returns its path. */
export function quarantineBytes(logDir: string, note: Omit<QuarantineNote, 'repairedAt'>, sourceFd: number): string {
  const dir = quarantineDir(logDir, note.topic, note.partition)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const base = path.join(dir, `${segmentPrefix(note.segment)}.log.${note.position}.${stamp}`)
  const chunk = Buffer.allocUnsafe(Math.min(note.bytes, 1024 * 1024))
  writeNew(`${base}.bin`, (fd) => {
    for (let done = 0; done < note.bytes;) {
      const n = fs.readSync(sourceFd, chunk, 0, Math.min(chunk.length, note.bytes - done), note.position + done)
      if (n === 0) throw new StromError('IO_ERROR', `short read while copying ${note.bytes} bytes to quarantine`)
      writeAll(fd, chunk.subarray(0, n), done)
      done += n
    }
  })
  writeNew(`${base}.json`, (fd) => writeAll(fd, Buffer.from(JSON.stringify({...note, repairedAt: new Date().toISOString()}, null, 2) + '\n'), 0))
  fsyncDirectory(dir)
  return `${base}.bin`
}

function writeNew(file: string, fill: (fd: number) => void): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644)
  try {
    fill(fd)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

function writeAll(fd: number, data: Buffer, position: number): void {
  let done = 0
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done)
}
