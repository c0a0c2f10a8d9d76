import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {StromError} from '../core/errors.js'
import {Ingester, KeyMode} from '../ingest/ingester.js'

export default class Ingest extends StromCommand {
  static summary = 'Follow log files like tail -F and append every line to a topic.'
  static description = `Survives rotation by rename and by copytruncate, picks up files that appear later (quote glob patterns so the shell leaves them to strom), and remembers how far it read each file in the log directory, so a restarted ingest neither loses nor repeats lines. Each message gets the headers file, host and pos (the byte position after the line). Two ingests cannot claim the same file.`
  static examples = [
    {description: 'Ship every .log file of a directory, now and later', command: "<%= config.bin %> ingest logs '/var/log/app/*.log' --create --partitions 4"},
    {description: 'Read what is there and exit (for cron or tests)', command: '<%= config.bin %> ingest logs app.log --once'},
    {description: 'Only new lines, keyed by host', command: "<%= config.bin %> ingest logs 'app-*.log' --from end --key host"},
  ]

  static strict = false
  static args = {
    topic: Args.string({ignoreStdin: true, description: 'topic to append to', required: true}),
    files: Args.string({ignoreStdin: true, description: 'files or glob patterns (*, ?, [...] in the file name)', required: true}),
  }

  static flags = {
    key: Flags.string({description: 'message key: the file path (keeps each file in order in one partition), the host, or none', options: ['file', 'host', 'none'], default: 'file'}),
    from: Flags.string({description: 'where to start the files there at start that were never read before (files that appear later are always read from their beginning)', options: ['beginning', 'end'], default: 'beginning'}),
    once: Flags.boolean({description: 'read every file to its end, then exit'}),
    'poll-ms': Flags.integer({description: 'how often to look for changes besides filesystem events', default: 250}),
    create: Flags.boolean({description: 'create the topic if it does not exist'}),
    partitions: Flags.integer({description: 'with --create: partitions of the topic if it is created (default: 1)', dependsOn: ['create']}),
  }

  async run(): Promise<{lines: number; files: number}> {
    const {argv, flags} = await this.parse(Ingest)
    const [topicName, ...patterns] = argv as string[]
    if (patterns.length === 0) throw new StromError('INVALID_ARGUMENT', 'no file given', {hint: "strom ingest TOPIC FILE... (quote patterns: 'logs/*.log')"})
    const log = this.openLog(flags, {write: true})
    const topic = flags.create ? log.openOrCreateTopic(topicName, {partitions: flags.partitions ?? 1}) : log.topic(topicName)
    const ingester = new Ingester(topic, patterns, {
      keyMode: flags.key as KeyMode,
      startAt: flags.from as 'beginning' | 'end',
      pollMs: flags['poll-ms'],
      once: flags.once,
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    })
    this.onInterrupt(() => ingester.stop())
    await ingester.run()
    if (process.stderr.isTTY) process.stderr.write(`ingested ${ingester.stats.lines} lines from ${ingester.stats.files} files into ${topic.name}\n`)
    return ingester.stats
  }
}
