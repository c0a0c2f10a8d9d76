/**
 * The log directory: where it is, and its format version.
 *
 *   <dir>/strom.json                 {"format": "strom-log", "version": 1}
 *   <dir>/topics/<topic>/...         see topic/topic-store.ts and partition/
 *
 * A directory written by a newer strom (higher version) is refused rather than misread.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {StromError} from './errors.js'
import {readJsonFile, writeJsonAtomic} from './io/atomic-file.js'

export const FORMAT_NAME = 'strom-log'
export const FORMAT_VERSION = 1
export const META_FILE = 'strom.json'

/** --dir, else STROM_DIR, else $XDG_DATA_HOME/strom (~/.local/share/strom). */
export function resolveLogDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit)
  if (env.STROM_DIR) return path.resolve(env.STROM_DIR)
  const dataHome = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(os.homedir(), '.local', 'share')
  return path.join(dataHome, 'strom')
}

interface LogDirMeta {
  format: string
  version: number
}

/**
 * Creates the directory on first use (unless `create` is false: then a missing directory is
 * NO_LOG_DIR) and checks the format version of an existing one.
 */
export function prepareLogDir(dir: string, options: {create?: boolean; onCreated?: (dir: string) => void} = {}): void {
  const existed = fs.existsSync(dir)
  if (!existed && options.create === false) {
    throw new StromError('NO_LOG_DIR', `log directory ${dir} does not exist`, {details: {dir}})
  }
  try {
    fs.mkdirSync(path.join(dir, 'topics'), {recursive: true})
    if (!existed) options.onCreated?.(dir)
  } catch (error) {
    throw new StromError('IO_ERROR', `cannot create the log directory ${dir}: ${(error as Error).message}`, {
      hint: 'choose another place with --dir or STROM_DIR',
    })
  }
  const metaFile = path.join(dir, META_FILE)
  let meta: LogDirMeta | undefined
  try {
    meta = readJsonFile<LogDirMeta>(metaFile)
  } catch {
    throw new StromError('FORMAT_VERSION', `${metaFile} is not valid JSON`, {hint: `it should read {"format":"${FORMAT_NAME}","version":${FORMAT_VERSION}}`})
  }
  if (meta === undefined) {
    writeJsonAtomic(metaFile, {format: FORMAT_NAME, version: FORMAT_VERSION})
    return
  }
  if (meta.format !== FORMAT_NAME) {
    throw new StromError('FORMAT_VERSION', `${dir} is not a strom log directory (${META_FILE} says format '${meta.format}')`)
  }
  if (meta.version > FORMAT_VERSION) {
    throw new StromError('FORMAT_VERSION', `${dir} uses log format version ${meta.version}, newer than this strom understands (${FORMAT_VERSION})`, {
      hint: 'upgrade strom',
    })
  }
}
