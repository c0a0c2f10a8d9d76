import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {ENCODINGS, Encoding, unescapeDelimiter} from '../cli/encoding.js'
import {envelopeJson} from '../cli/envelope.js'
import {FormatTemplate} from '../cli/format-template.js'
import {RecordOutput} from '../cli/output.js'
import {LogReader, PartitionAssignment, RecordVisitor} from '../core/consumer.js'
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
  ]

  static strict = false
  static args = {
    topic: Args.string({ignoreStdin: true, description: 'topic(s) to read', required: true}),
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
    'check-crcs': Flags.boolean({description: 'verify the CRC-32C of each batch read (--no-check-crcs to skip)', allowNo: true, default: true}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Consume)
    const range = parseRange(flags.offset)
    const out = new RecordOutput()
    // Build the renderer first: a bad template is a usage error before anything is opened.
    const render = this.renderer(flags, out)
    const log = this.openLog(flags.dir)
    const topics = (argv as string[]).map((name) => log.topic(name))
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
