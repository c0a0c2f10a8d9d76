import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {Progress} from '../cli/progress.js'
import {renderTable} from '../cli/table.js'
import type {RecordSource} from '../backends/backend.js'
import {openBackend} from '../backends/open-backend.js'
import {MirrorResult, mirror} from '../backends/mirror.js'
import {parseEndpoint} from '../backends/target.js'
import {StromError} from '../core/errors.js'

export default class Mirror extends StromCommand {
  static summary = 'Copy topics (and with --groups, committed offsets) from one backend to another.'
  static description = `SRC and DST are each dir:PATH (a log directory), kafka://HOST:PORT[,HOST:PORT] (a Kafka cluster) or the name of a profile. Partition, key, value, headers and timestamp of every message are kept, and the order within each partition. Missing topics are created with the source's partition count.

Interrupted (Ctrl-C, kill, crash) and run again with the same SRC and DST, it resumes where it stopped without copying anything twice: a state file (--state) records what the destination acknowledged. Nothing else may write to the destination topics meanwhile.`
  static enableJsonFlag = true
  static examples = [
    {description: 'A local log directory into a Kafka cluster', command: '<%= config.bin %> mirror dir:./logs kafka://kafka1:9092,kafka2:9092'},
    {description: 'Two topics back from Kafka, with the groups\' offsets', command: '<%= config.bin %> mirror kafka://localhost:9092 dir:/data/strom --topic orders --topic users --groups'},
    {description: 'Keep copying new messages until Ctrl-C', command: '<%= config.bin %> mirror dir:./logs kafka://localhost:9092 --follow'},
  ]

  static args = {
    source: Args.string({ignoreStdin: true, description: 'where to copy from: dir:PATH, kafka://HOST:PORT[,...] or a profile', required: true}),
    destination: Args.string({ignoreStdin: true, description: 'where to copy to: dir:PATH, kafka://HOST:PORT[,...] or a profile', required: true}),
  }

  static flags = {
    topic: Flags.string({char: 't', description: 'a topic to copy (repeatable; default: every topic of SRC)', multiple: true}),
    groups: Flags.boolean({description: "also copy consumer groups' committed offsets on those topics, as destination offsets"}),
    group: Flags.string({char: 'g', description: 'with --groups: only this group (repeatable)', multiple: true}),
    follow: Flags.boolean({char: 'f', description: 'keep copying new messages until Ctrl-C'}),
    state: Flags.string({description: 'the resume state file (default: one per SRC/DST pair under $XDG_STATE_HOME/strom/mirror/)'}),
  }

  async run(): Promise<MirrorResult> {
    const {args, flags} = await this.parse(Mirror)
    if (flags.dir !== undefined || flags['bootstrap-server'] !== undefined || flags.profile !== undefined) {
      throw new StromError('INVALID_ARGUMENT', 'mirror takes its backends as SRC and DST, not from --dir, --bootstrap-server or --profile', {hint: 'write them as dir:PATH or kafka://HOST:PORT'})
    }
    if (flags.group !== undefined && !flags.groups) throw new StromError('INVALID_ARGUMENT', '--group applies with --groups', {hint: 'add --groups'})
    const warn = (message: string) => process.stderr.write(`warning: ${message}\n`)
    const sourceTarget = parseEndpoint(args.source)
    const destinationTarget = parseEndpoint(args.destination)
    // A destination directory is made on first use; a source that is not there is a mistake.
    if (sourceTarget.kind === 'dir' && !fs.existsSync(sourceTarget.dir!)) {
      throw new StromError('INVALID_ARGUMENT', `no log directory at ${sourceTarget.dir} to mirror from`, {hint: 'check the path after dir:'})
    }
    const source = await openBackend(sourceTarget, warn, {create: false})
    const destination = await openBackend(destinationTarget, warn, {create: true, maintenance: this.maintenanceLauncher(), onCreated: (dir) => process.stderr.write(`created log directory ${dir}\n`)}).catch(async (error: unknown) => {
      await source.close()
      throw error
    })
    // The same data under two names (localhost and 127.0.0.1, a symlinked directory) is the same.
    if (source.label === destination.label || (await source.identity()) === (await destination.identity())) {
      await Promise.all([source.close(), destination.close()])
      throw new StromError('INVALID_ARGUMENT', `SRC and DST are the same data: ${source.label} and ${destination.label}`, {hint: 'mirror between two different directories or clusters'})
    }
    const state = flags.state ?? defaultStateFile(source.label, destination.label)
    let progress: Progress | undefined
    const readers = new Set<RecordSource>()
    let stopped = false
    this.onInterrupt(() => {
      stopped = true
      for (const reader of readers) reader.stop()
    })
    try {
      const result = await mirror(source, destination, {
        topics: flags.topic,
        groups: flags.groups ? (flags.group ?? []) : undefined,
        follow: flags.follow,
        checkpointFile: state,
        control: readers,
        stopped: () => stopped,
        onWarning: warn,
        onProgress: (copied, total) => {
          progress ??= new Progress('mirror', flags.follow ? 0 : total, 'msg')
          progress.advance(copied - progressDone)
          progressDone = copied
        },
      })
      progress?.finish()
      if (!this.jsonEnabled()) {
        process.stdout.write(renderTable(['TOPIC', 'PARTITIONS', 'COPIED', 'RESUMED PAST'], result.topics.map((t) => [t.topic, t.partitions, t.copied, t.skipped])))
        for (const g of result.groups) process.stdout.write(`group ${g.group}: ${g.offsets} offsets copied\n`)
        const rate = result.seconds > 0 ? Math.round(result.copied / result.seconds) : result.copied
        process.stderr.write(`mirrored ${result.copied} messages (${result.bytes} bytes) from ${source.label} to ${destination.label} in ${result.seconds.toFixed(2)}s, ${rate} msg/s\n`)
      }
      return result
    } finally {
      progress?.finish()
      await Promise.all([source.close(), destination.close()])
    }
  }
}

let progressDone = 0

function defaultStateFile(source: string, destination: string): string {
  const stateHome = process.env.XDG_STATE_HOME && path.isAbsolute(process.env.XDG_STATE_HOME) ? process.env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state')
  const id = crypto.createHash('sha256').update(`${source}\n${destination}`).digest('hex').slice(0, 16)
  return path.join(stateHome, 'strom', 'mirror', `${id}.json`)
}
