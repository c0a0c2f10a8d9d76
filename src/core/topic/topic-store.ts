/**
 * Topics in a log directory:
 *
 *   <dir>/topics/<topic>/topic.json    {"version":1,"name":..,"partitions":N,"config":{Kafka-named overrides},"createdMs":..}
 *   <dir>/topics/<topic>/topic.lock    permanent lock file for admin changes (alter)
 *   <dir>/topics/<topic>/<partition>/  segments, see partition/partition-files.ts
 *   <dir>/tmp/                         staging area: topics are built here and renamed into place,
 *                                      and renamed here to be deleted, so both are atomic
 *
 * Names are validated (names.ts) before any path is built from them.
 */
import fs from 'node:fs'
import path from 'node:path'
import {ConfigOverrides, TopicConfig, resolveConfig, validateOverrides} from '../config.js'
import {StromError} from '../errors.js'
import {readJsonFile, writeJsonAtomic, fsyncDirectory} from '../io/atomic-file.js'
import {fileLockFor} from '../io/file-lock.js'
import {validateTopicName} from '../names.js'
import {createEmptySegment} from '../partition/recovery.js'
import {assertResolvesInside} from '../partition/partition-files.js'
import {randomHex} from '../io/random-hex.js'

export const TOPIC_META_FILE = 'topic.json'
export const TOPIC_META_VERSION = 1
export const MAX_PARTITIONS = 10_000

export interface TopicMeta {
  version: number
  name: string
  partitions: number
  config: ConfigOverrides
  createdMs: number
}

export class TopicStore {
  readonly topicsDir: string
  private readonly stagingDir: string

  constructor(readonly dir: string) {
    this.topicsDir = path.join(dir, 'topics')
    this.stagingDir = path.join(dir, 'tmp')
  }

  topicDir(name: string): string {
    return path.join(this.topicsDir, validateTopicName(name))
  }

  exists(name: string): boolean {
    return fs.existsSync(path.join(this.topicDir(name), TOPIC_META_FILE))
  }

  list(): string[] {
    let names: string[]
    try {
      names = fs.readdirSync(this.topicsDir)
    } catch {
      return []
    }
    return names.filter((name) => fs.existsSync(path.join(this.topicsDir, name, TOPIC_META_FILE))).sort()
  }

  read(name: string): TopicMeta {
    const file = path.join(this.topicDir(name), TOPIC_META_FILE)
    let meta: TopicMeta | undefined
    try {
      meta = readJsonFile<TopicMeta>(file)
    } catch (error) {
      throw new StromError('IO_ERROR', `cannot read ${file}: ${(error as Error).message}`)
    }
    if (meta === undefined) {
      throw new StromError('UNKNOWN_TOPIC', `topic '${name}' does not exist in ${this.dir}`, {
        hint: `create it with \`strom topic create ${name} --partitions N\`, or pass --create to produce`,
      })
    }
    if (meta.version > TOPIC_META_VERSION) {
      throw new StromError('FORMAT_VERSION', `topic '${name}' uses metadata version ${meta.version}, newer than this strom understands`)
    }
    return meta
  }

  create(name: string, partitions: number, config: ConfigOverrides = {}): TopicMeta {
    validateTopicName(name)
    validatePartitionCount(partitions)
    validateOverrides(config)
    if (this.exists(name)) throw topicExists(name)
    fs.mkdirSync(this.stagingDir, {recursive: true})
    // Staging names stay short: a 249-character topic name plus a prefix would pass NAME_MAX.
    const staging = path.join(this.stagingDir, `create-${randomHex(8)}`)
    fs.mkdirSync(staging)
    const meta: TopicMeta = {version: TOPIC_META_VERSION, name, partitions, config, createdMs: Date.now()}
    try {
      for (let p = 0; p < partitions; p++) {
        fs.mkdirSync(path.join(staging, String(p)))
        createEmptySegment(path.join(staging, String(p)), 0)
      }
      writeJsonAtomic(path.join(staging, TOPIC_META_FILE), meta)
      fs.renameSync(staging, path.join(this.topicsDir, name))
      fsyncDirectory(this.topicsDir)
    } catch (error) {
      fs.rmSync(staging, {recursive: true, force: true})
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw topicExists(name)
      throw error
    }
    return meta
  }

  /** Adds partitions (never removes) and/or merges config overrides (a value of '' removes one). */
  /**
   * Replaces a topic's config overrides with what `update` makes of the current ones, read and
   * written under the topic lock: a change computed from a copy read earlier could undo another
   * process's change made in between (Kafka's AlterConfigs and IncrementalAlterConfigs, in serve).
   */
  updateConfig(name: string, update: (current: ConfigOverrides) => ConfigOverrides): TopicMeta {
    const dir = this.topicDir(name)
    assertResolvesInside(dir, path.dirname(this.topicsDir))
    this.read(name)
    return fileLockFor(path.join(dir, 'topic.lock')).withLock(() => {
      const meta = this.read(name)
      meta.config = validateOverrides(update({...meta.config}))
      writeJsonAtomic(path.join(dir, TOPIC_META_FILE), meta)
      return meta
    })
  }

  alter(name: string, change: {partitions?: number; config?: ConfigOverrides}): TopicMeta {
    const dir = this.topicDir(name)
    assertResolvesInside(dir, path.dirname(this.topicsDir))
    this.read(name)
    return fileLockFor(path.join(dir, 'topic.lock')).withLock(() => {
      const meta = this.read(name)
      if (change.partitions !== undefined) {
        validatePartitionCount(change.partitions)
        if (change.partitions < meta.partitions) {
          throw new StromError('INVALID_ARGUMENT', `topic '${name}' has ${meta.partitions} partitions; the count can only grow (asked for ${change.partitions})`, {
            hint: 'Kafka cannot remove partitions either: create a new topic and copy the data',
          })
        }
        for (let p = meta.partitions; p < change.partitions; p++) {
          const partitionDir = path.join(dir, String(p))
          fs.mkdirSync(partitionDir, {recursive: true})
          if (fs.readdirSync(partitionDir).length === 0) createEmptySegment(partitionDir, 0)
        }
        meta.partitions = change.partitions
      }
      if (change.config !== undefined) {
        const merged = {...meta.config}
        for (const [key, value] of Object.entries(change.config)) {
          if (value === '') delete merged[key]
          else merged[key] = value
        }
        meta.config = validateOverrides(merged)
      }
      writeJsonAtomic(path.join(dir, TOPIC_META_FILE), meta)
      return meta
    })
  }

  delete(name: string): void {
    const dir = this.topicDir(name)
    this.read(name)
    fs.mkdirSync(this.stagingDir, {recursive: true})
    const graveyard = path.join(this.stagingDir, `delete-${randomHex(8)}`)
    fs.renameSync(dir, graveyard)
    fsyncDirectory(this.topicsDir)
    fs.rmSync(graveyard, {recursive: true, force: true})
  }

  config(name: string): TopicConfig {
    return resolveConfig(this.read(name).config)
  }
}

function topicExists(name: string): StromError {
  return new StromError('TOPIC_EXISTS', `topic '${name}' already exists`, {hint: `see it with \`strom topic describe ${name}\``})
}

function validatePartitionCount(partitions: number): void {
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new StromError('INVALID_ARGUMENT', `invalid partition count ${partitions}: expected an integer from 1 to ${MAX_PARTITIONS}`)
  }
}
