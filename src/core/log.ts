/**
 * The library entry point: `openLog({dir})` gives a handle on a log directory, and through it
 * topics, partitions, producers and consumers. Nothing here knows about a CLI.
 */
import path from 'node:path'
import {ConfigOverrides, TopicConfig, resolveConfig} from './config.js'
import {StromError} from './errors.js'
import {prepareLogDir, resolveLogDir} from './log-dir.js'
import {PartitionReader} from './partition/partition-reader.js'
import {PartitionWriter} from './partition/partition-writer.js'
import {MaintenanceLauncher, MaintenanceScheduler, inProcessLauncher} from './maintenance/scheduler.js'
import type {TruncationReport} from './partition/recovery.js'
import {TopicMeta, TopicStore} from './topic/topic-store.js'

export interface OpenLogOptions {
  /** The log directory; defaults to STROM_DIR or the per-user data directory. */
  dir?: string
  /** Called when recovery cuts a torn tail; defaults to a warning on stderr. */
  onWarning?: (message: string) => void
  /**
   * Whether a directory that does not exist yet is created (the default), or is an error
   * (NO_LOG_DIR): a command that only reads must not leave a directory behind at a mistyped path.
   */
  create?: boolean
  /** Told the directory's path when it was created by this call. */
  onCreated?: (dir: string) => void
  /**
   * Runs the retention/compaction a segment roll made due, off the append path. Default: in this
   * process, on a later turn of the event loop. The CLI passes one that runs it on a maintenance thread (src/cli/background-cleaner.ts).
   */
  maintenance?: MaintenanceLauncher
}

export interface PartitionInfo {
  partition: number
  logStartOffset: number
  endOffset: number
  sizeBytes: number
  segments: number
}

export class Log {
  readonly topics: TopicStore
  readonly onWarning: (message: string) => void
  readonly maintenance: MaintenanceScheduler

  constructor(readonly dir: string, onWarning?: (message: string) => void, maintenance?: MaintenanceLauncher) {
    this.topics = new TopicStore(dir)
    this.onWarning = onWarning ?? ((message) => process.stderr.write(`warning: ${message}\n`))
    this.maintenance = new MaintenanceScheduler(maintenance ?? inProcessLauncher(this.onWarning), this.onWarning)
  }

  createTopic(name: string, options: {partitions?: number; config?: ConfigOverrides} = {}): Topic {
    this.topics.create(name, options.partitions ?? 1, options.config ?? {})
    return this.topic(name)
  }

  /** The topic, created with these options first if it does not exist (safe when processes race to create it). */
  openOrCreateTopic(name: string, options: {partitions?: number; config?: ConfigOverrides} = {}): Topic {
    if (!this.topics.exists(name)) {
      try {
        return this.createTopic(name, options)
      } catch (error) {
        if (!(error instanceof StromError && error.code === 'TOPIC_EXISTS')) throw error
      }
    }
    return this.topic(name)
  }

  /** An existing topic; throws UNKNOWN_TOPIC otherwise. */
  topic(name: string): Topic {
    return new Topic(this, this.topics.read(name))
  }

  listTopics(): string[] {
    return this.topics.list()
  }
}

export class Topic {
  readonly name: string
  readonly partitions: number
  readonly config: TopicConfig
  readonly dir: string
  private readonly writers = new Map<number, PartitionWriter>()
  private readonly readers = new Map<number, PartitionReader>()

  constructor(readonly log: Log, readonly meta: TopicMeta) {
    this.name = meta.name
    this.partitions = meta.partitions
    this.config = resolveConfig(meta.config)
    this.dir = log.topics.topicDir(meta.name)
  }

  partitionDir(partition: number): string {
    this.checkPartition(partition)
    return path.join(this.dir, String(partition))
  }

  checkPartition(partition: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) {
      throw new StromError('UNKNOWN_PARTITION', `topic '${this.name}' has no partition ${partition} (it has ${this.partitions}: 0..${this.partitions - 1})`)
    }
  }

  writer(partition: number): PartitionWriter {
    let writer = this.writers.get(partition)
    if (writer === undefined) {
      writer = new PartitionWriter(this.partitionDir(partition), this.config, {
        onTruncation: (report) => this.log.onWarning(describeTruncation(this.name, partition, report)),
        onWarning: this.log.onWarning,
        onRoll: (event) => this.log.maintenance.rolled(event, this.config),
      })
      this.writers.set(partition, writer)
    }
    return writer
  }

  reader(partition: number): PartitionReader {
    let reader = this.readers.get(partition)
    if (reader === undefined) {
      reader = new PartitionReader(this.partitionDir(partition), partition, {label: `${this.name}/${partition}`, onWarning: this.log.onWarning})
      this.readers.set(partition, reader)
    }
    return reader
  }

  describePartition(partition: number): PartitionInfo {
    const reader = this.reader(partition)
    return {
      partition,
      logStartOffset: reader.logStartOffset(),
      endOffset: reader.endOffset(),
      sizeBytes: reader.sizeBytes(),
      segments: reader.segmentBases().length,
    }
  }

  close(): void {
    for (const writer of this.writers.values()) writer.close()
    this.writers.clear()
  }
}

export function describeTruncation(topic: string, partition: number, report: TruncationReport): string {
  return `recovered ${topic}/${partition}: cut a torn tail of ${report.bytesCut} bytes from segment ${report.segmentBaseOffset} (offsets from ${report.fromOffset} on were never acknowledged; ${report.reason})`
}

export function openLog(options: OpenLogOptions = {}): Log {
  const dir = resolveLogDir(options.dir)
  prepareLogDir(dir, {create: options.create ?? true, onCreated: options.onCreated})
  return new Log(dir, options.onWarning, options.maintenance)
}
