/**
 * Crash-safe replacement of small files (configs, metadata, checkpoints): write a temp file in the
 * same directory, fsync it, rename it over the target, then fsync the directory, because a rename is
 * durable only once its directory is. A crash leaves either the old or the new content, never a mix.
 */
import fs from 'node:fs'
import path from 'node:path'
import {randomHex} from './random-hex.js'

export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * `durable: false` skips both fsyncs: the replacement is still atomic for every process (a rename),
 * and survives a process crash (kill -9), but an OS crash or power loss may bring the old content back.
 */
export function writeFileAtomic(file: string, content: string | Buffer, options: {durable?: boolean} = {}): void {
  const durable = options.durable !== false
  const dir = path.dirname(file)
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomHex(4)}.tmp`)
  const fd = fs.openSync(temp, 'w')
  try {
    fs.writeFileSync(fd, content)
    if (durable) fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.renameSync(temp, file)
  } catch (error) {
    fs.rmSync(temp, {force: true})
    throw error
  }
  if (durable) fsyncDirectory(dir)
}

export function writeJsonAtomic(file: string, value: unknown, options: {durable?: boolean} = {}): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', options)
}

export function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
