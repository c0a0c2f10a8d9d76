import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {ENCODINGS, Encoding, unescapeDelimiter} from '../cli/encoding.js'
import {envelopeJson} from '../cli/envelope.js'
import {FormatTemplate} from '../cli/format-template.js'
import {RecordOutput} from '../cli/output.js'
import {LogReader, PartitionAssignment, RecordVisitor} from '../core/consumer.js'
import {StromError} from '../core/errors.js'
import {STRATEGIES, Strategy} from '../core/groups/assignors.js'
import {CommitMode, GroupConsumer, ResetPolicy} from '../core/groups/group-consumer.js'
import {parseRange} from '../core/offset-spec.js'
import type {Topic} from '../core/log.js'

export default class Consume extends StromCommand {
  static summary = 'Print messages from topics: by default every partition from its start to its end, then exit.'
  static description = `"The end" is each partition's end offset when the command starts, so a busy producer cannot keep it running. With --follow it keeps tailing, like tail -f, until Ctrl-C. Per-partition order is always kept.

Offsets (-o START[:END], END exclusive): beginning, end, N, -N (N before the end of each partition), +N (N after its start), @2026-01-01T00:00:00Z, @-1h (durations: ms s m h d w), and ranges like 100:200, @-1h:end, @2026-01-01:@2026-01-02.`
  static examples = [
    {description: 'Everything, one value per line', command: '<%= config.bin %> consume logs'},
    {description: 'Follow new messages as they arrive', command: '<%= config.bin %> consume logs -f -o end'},
    {description: 'The last 10 messages of each partition', command: '<%= config.bin %> consume logs -o -10'},
    {description: 'The last hour, with partition, offset and key', command: '<%= config.bin %> consume logs -o @-1h -F "%p:%o %k %v\\n"'},
    {description: 'NDJSON envelopes (what produce --json reads back)', command: '<%= config.bin %> consume logs --json | jq .value'},
    {description: 'Offsets 100 to 199 of partition 0', command: '<%= config.bin %> consume logs -p 0 -o 100:200'},
    {description: 'As a member of a consumer group (run it in several terminals)', command: '<%= config.bin %> consume logs --group workers -f'},
    {description: 'A group subscribed to every topic matching a pattern, now and later', command: '<%= config.bin %> consume --group audit --pattern "^app-.*" -f'},
  ]

  static strict = false
  static args = {
    topic: Args.string({ignoreStdin: true, description: 'topic(s) to read (with --group, --pattern can replace them)', required: false}),
  }

  static flags = {
    offset: Flags.string({char: 'o', description: 'where to start (and optionally end): START[:END]', default: 'beginning'}),
    partition: Flags.integer({char: 'p', description: 'read only this partition (repeatable)', multiple: true}),
    'max-messages': Flags.integer({char: 'n', description: 'stop after this many messages'}),
    follow: Flags.boolean({char: 'f', description: 'keep waiting for new messages until Ctrl-C'}),
    format: Flags.string({char: 'F', description: 'output template: %t %p %o %T %k %v %h %K %S (e.g. "%p:%o %v\\n")'}),
    json: Flags.boolean({description: 'print one NDJSON envelope {topic, partition, offset, timestamp, key, value, headers} per message'}),
    delimiter: Flags.string({char: 'D', description: 'written after each value in the default output', default: '\\n'}),
    'value-encoding': Flags.string({description: 'how values (and header values) are printed', options: [...ENCODINGS], default: 'utf8'}),
    'key-encoding': Flags.string({description: 'how keys are printed', options: [...ENCODINGS], default: 'utf8'}),
    group: Flags.string({char: 'G', description: 'consume as a member of this consumer group: partitions are shared with the other members and offsets committed'}),
    pattern: Flags.string({description: 'with --group: subscribe to every topic matching this regular expression (also topics created later)'}),
    strategy: Flags.string({description: 'with --group: partition assignment strategy (default: the group\'s, sticky for a new group)', options: [...STRATEGIES]}),
    reset: Flags.string({description: 'with --group: where to start a partition that has no committed offset (default: latest with --follow, earliest otherwise)', options: ['earliest', 'latest']}),
    commit: Flags.string({description: 'with --group: auto (after output is flushed), sync (after every message) or none', options: ['auto', 'sync', 'none'], default: 'auto'}),
    'check-crcs': Flags.boolean({description: 'verify the CRC-32C of each batch read (--no-check-crcs to skip)', allowNo: true, default: true}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Consume)
    const range = parseRange(flags.offset)
    const out = new RecordOutput()
    // Build the renderer first: a bad template is a usage error before anything is opened.
    const render = this.renderer(flags, out)
    const log = this.openLog(flags.dir)
    const names = argv as string[]
    if (flags.group !== undefined) return this.runGroup(log, names, flags, out, render)
    if (flags.pattern !== undefined || flags.strategy !== undefined || flags.reset !== undefined) {
      throw new StromError('INVALID_ARGUMENT', '--pattern, --strategy and --reset apply only with --group', {hint: 'add --group NAME'})
    }
    if (names.length === 0) throw new StromError('INVALID_ARGUMENT', 'no topic given', {hint: 'strom consume TOPIC [TOPIC...]'})
    const topics = names.map((name) => log.topic(name))
    const assignments: PartitionAssignment[] = []
    for (const topic of topics) {
      topic.recoverIdlePartitions()
      const partitions = flags.partition ?? [...Array(topic.partitions).keys()]
      for (const partition of partitions) {
        topic.checkPartition(partition)
        assignments.push({topic, partition})
      }
    }
    const reader = new LogReader(assignments, {range, follow: flags.follow, checkCrcs: flags['check-crcs']})
    out.whenClosed(() => reader.stop())
    this.onInterrupt(() => reader.stop())

    const limit = flags['max-messages'] ?? Number.POSITIVE_INFINITY
    let count = 0
    const visit: RecordVisitor = (topic, partition, record) => {
      if (count >= limit) return false
      render(topic, partition, record)
      count++
      return count < limit
    }
    await reader.run(visit, () => (flags.follow ? out.flush() : out.maybeFlush()))
    await out.flush()
  }

  private async runGroup(
    log: ReturnType<StromCommand['openLog']>,
    names: string[],
    flags: {group?: string; pattern?: string; strategy?: string; reset?: string; commit: string; follow: boolean; offset: string; partition?: number[]; 'max-messages'?: number; 'check-crcs': boolean},
    out: RecordOutput,
    render: (topic: Topic, partition: number, record: Parameters<RecordVisitor>[2]) => void,
  ): Promise<void> {
    if (flags.partition !== undefined) throw new StromError('INVALID_ARGUMENT', '-p/--partition cannot be used with --group: the group assigns partitions', {hint: 'drop -p, or drop --group to read chosen partitions'})
    if (flags.offset !== 'beginning') throw new StromError('INVALID_ARGUMENT', '-o/--offset cannot be used with --group: members start at the committed offsets', {hint: 'use --reset earliest|latest for partitions without a commit, or `strom offsets reset` to move the group'})
    if (names.length === 0 && flags.pattern === undefined) throw new StromError('INVALID_ARGUMENT', 'no topic given', {hint: 'name topics, or subscribe with --pattern REGEX'})
    for (const name of names) log.topic(name)
    let pattern: RegExp | undefined
    if (flags.pattern !== undefined) {
      try {
        pattern = new RegExp(flags.pattern)
      } catch (error) {
        throw new StromError('INVALID_ARGUMENT', `invalid --pattern: ${(error as Error).message}`)
      }
    }
    const consumer = new GroupConsumer(log, flags.group!, {
      topics: names,
      pattern,
      strategy: flags.strategy as Strategy | undefined,
      follow: flags.follow,
      reset: (flags.reset ?? (flags.follow ? 'latest' : 'earliest')) as ResetPolicy,
      commit: flags.commit as CommitMode,
      checkCrcs: flags['check-crcs'],
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      onAssignment: process.env.STROM_DEBUG_GROUPS ? (event) => process.stderr.write(`assignment g${event.generation}: ${event.assigned.join(' ')}\n`) : undefined,
    })
    out.whenClosed(() => consumer.stop())
    this.onInterrupt(() => consumer.stop())
    const limit = flags['max-messages'] ?? Number.POSITIVE_INFINITY
    let count = 0
    await consumer.run((topic, partition, record) => {
      if (count >= limit) return false
      render(topic, partition, record)
      count++
      return count < limit
    }, () => out.flush())
  }

  private renderer(flags: {json: boolean; format?: string; delimiter: string; 'value-encoding': string; 'key-encoding': string}, out: RecordOutput) {
    const encodings = {key: flags['key-encoding'] as Encoding, value: flags['value-encoding'] as Encoding}
    if (flags.json) {
      return (topic: Topic, partition: number, record: Parameters<RecordVisitor>[2]) => {
        out.writeString(envelopeJson(topic.name, partition, record, encodings))
        out.writeBytes(NEWLINE)
      }
    }
    if (flags.format !== undefined) {
      const template = new FormatTemplate(flags.format, encodings)
      return (topic: Topic, partition: number, record: Parameters<RecordVisitor>[2]) => template.render(out, topic.name, partition, record)
    }
    const delimiter = unescapeDelimiter(flags.delimiter)
    const raw = encodings.value === 'utf8'
    return (_topic: Topic, _partition: number, record: Parameters<RecordVisitor>[2]) => {
      if (record.valueLength > 0) {
        if (raw) out.writeBytes(record.data, record.valueStart, record.valueStart + record.valueLength)
        else out.writeString(record.value()!.toString(encodings.value))
      }
      out.writeBytes(delimiter)
    }
  }
}

const NEWLINE = Buffer.from('\n')
