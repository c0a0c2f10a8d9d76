import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {StromError} from '../core/errors.js'
import {Processor, type ProcessOptions, type ProcessStats} from '../process/processor.js'
import {type TargetFlags, resolveTarget} from '../backends/target.js'
import type {KafkaTarget} from '../backends/kafka/client.js'
import {CommandTransform, ModuleTransform, Transform} from '../process/transform.js'

export default class Process extends StromCommand {
  static summary = 'Consume, transform and produce, exactly once: any program (or a JavaScript function) as the transform.'
  static description = `Reads the source topics as a member of --group (run it in several terminals and the members split the partitions), runs COMMAND once per batch of one input partition with the batch on its stdin (one value per line; with --json one NDJSON envelope per line), and appends what COMMAND prints to --to. A batch's outputs and the group's offsets for its inputs commit in one transaction: if COMMAND fails or is killed, or strom is, nothing of the batch becomes visible to read_committed readers and the batch is read again, so every input gives its outputs once. Read the results with \`strom consume DST --isolation-level read_committed\`.

Line mode: each output line is a value, written to the partition of --to with the input partition's number (modulo its partition count), so outputs keep their inputs' order per partition. --json: COMMAND prints {"key":..,"value":..,"headers":..,"topic":..,"partition":..} per line; a key picks the partition as produce does, "topic" another destination.

With --bootstrap-server it runs on a Kafka cluster, through Kafka's own transactions and consumer group: each member has its own transactional producer, and the group's offsets commit in the transaction with the member's generation (KIP-447), so a member whose partitions moved cannot commit them.

Exactly-once covers the destination topics and the group's offsets, not side effects of COMMAND outside strom (they happen again when a batch is retried).`
  static examples = [
    {description: 'Uppercase every line, exactly once', command: '<%= config.bin %> process in --to out --group upper -- tr a-z A-Z'},
    {description: 'Validate and route JSON events with jq', command: `<%= config.bin %> process salaries --to valid --group check --json -- jq -c 'if (.value|fromjson|.salary) > 0 then . else .topic = "rejected" end'`},
    {description: 'A JavaScript function instead of a program', command: '<%= config.bin %> process in --to out --group g --module ./transform.mjs'},
    {description: 'A batch job: process what is there, then exit', command: '<%= config.bin %> process in --to out --group nightly -e -- ./enrich.sh'},
    {description: 'On a Kafka cluster, with Kafka\'s transactions', command: '<%= config.bin %> process in --to out --group upper --bootstrap-server localhost:9092 -- tr a-z A-Z'},
  ]

  static strict = false
  static args = {
    sources: Args.string({ignoreStdin: true, description: 'source topics, then -- and the command with its arguments', required: true}),
  }

  static flags = {
    to: Flags.string({description: 'destination topic (created with the first source\'s partition count if missing)', required: true}),
    group: Flags.string({char: 'g', description: 'consumer group: its members split the input partitions; its offsets commit with the outputs', required: true}),
    json: Flags.boolean({description: 'COMMAND reads and prints NDJSON envelopes instead of plain values'}),
    module: Flags.string({description: 'a JavaScript module whose default export (record) => output(s) is the transform, run in-process'}),
    'batch-size': Flags.integer({description: 'input records per transaction at most', default: 10_000, min: 1}),
    'linger-ms': Flags.integer({description: 'how long a batch waits for more records before it commits', default: 100, min: 0}),
    reset: Flags.string({description: 'where partitions without a committed offset start', options: ['earliest', 'latest'], default: 'earliest'}),
    sync: Flags.boolean({description: 'log directory: fsync outputs and transaction state before a transaction counts as committed (as produce --sync); without it a commit survives any crash of a process, not an OS crash'}),
    exit: Flags.boolean({char: 'e', description: 'exit once this member\'s partitions are processed to their end (a batch job), instead of following them'}),
    'transaction-timeout-ms': Flags.integer({description: 'an open transaction older than this counts as aborted (a hung member\'s work is read again)', default: 60_000, min: 100}),
  }

  async run(): Promise<{inputs: number; outputs: number; transactions: number; aborted: number}> {
    const {argv, flags} = await this.parse(Process)
    const raw = this.argv
    const dash = raw.indexOf('--')
    const command = dash >= 0 ? raw.slice(dash + 1) : []
    const sources = (argv as string[]).slice(0, (argv as string[]).length - command.length)
    if (sources.length === 0) throw new StromError('INVALID_ARGUMENT', 'no source topic given', {hint: 'strom process SOURCE... --to DEST --group G -- COMMAND [ARGS]'})
    if ((command.length === 0) === (flags.module === undefined)) {
      throw new StromError('INVALID_ARGUMENT', command.length === 0 ? 'no transform given' : 'give either a command after -- or --module, not both', {
        hint: 'strom process in --to out --group g -- COMMAND [ARGS], or --module ./transform.mjs',
      })
    }
    const transform: Transform = flags.module !== undefined ? await ModuleTransform.load(flags.module) : new CommandTransform(command[0], command.slice(1), flags.json)
    const options = {
      sources,
      to: flags.to,
      group: flags.group,
      transform,
      batchRecords: flags['batch-size'],
      lingerMs: flags['linger-ms'],
      reset: flags.reset as 'earliest' | 'latest',
      transactionTimeoutMs: flags['transaction-timeout-ms'],
      exitAtEnd: flags.exit,
      sync: flags.sync,
      onWarning: (message: string) => process.stderr.write(`warning: ${message}\n`),
    }
    const target = resolveTarget(flags)
    const stats = target.kind === 'kafka' ? await this.onKafka(target, options) : await this.onLog(flags, options)
    if (process.stderr.isTTY) process.stderr.write(`processed ${stats.inputs} records into ${stats.outputs} in ${stats.transactions} transactions (${stats.aborted} aborted)\n`)
    return {...stats}
  }

  private async onLog(flags: TargetFlags, options: ProcessOptions): Promise<ProcessStats> {
    const processor = new Processor(this.openLog(flags, {write: true}), options)
    this.onInterrupt(() => processor.stop())
    await processor.run()
    return processor.stats
  }

  /** Kafka's own transactions and group (the Kafka client loads only on this path). */
  private async onKafka(target: KafkaTarget, options: ProcessOptions): Promise<ProcessStats> {
    const {createCluster, translateKafkaError} = await import('../backends/kafka/client.js')
    const {KafkaProcessor} = await import('../process/kafka-processor.js')
    const cluster = createCluster(target, {requestTimeoutMs: 45_000})
    try {
      const processor = new KafkaProcessor(cluster, options)
      this.onInterrupt(() => processor.stop())
      await processor.run()
      return processor.stats
    } catch (error) {
      throw translateKafkaError(error, `processing as group '${options.group}'`, target.brokers)
    } finally {
      cluster.close()
    }
  }
}
