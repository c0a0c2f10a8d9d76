import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {ENCODINGS, Encoding} from '../cli/encoding.js'
import {RecordOutput} from '../cli/output.js'
import {Progress} from '../cli/progress.js'
import {makeFilter} from '../cli/record-filter.js'
import {RenderRecord, makeRenderer} from '../cli/record-render.js'
import {colorLevel} from '../cli/color.js'
import {StromError} from '../core/errors.js'
import type {RecordView} from '../core/format/record-view.js'
import {STRATEGIES, Strategy} from '../core/groups/assignors.js'
import type {CommitMode, ResetPolicy} from '../core/groups/group-consumer.js'
import type {Backend, ReadStart, RecordSource} from '../backends/backend.js'
import {RangeSpec, parseRange} from '../core/offset-spec.js'
import type {SkippedCorruption} from '../core/partition/partition-reader.js'
import type {IsolationLevel} from '../core/txn/isolation.js'

export default class Consume extends StromCommand {
  static summary = 'Print messages from topics: by default every partition from its start to its end, then exit.'
  static description = `"The end" is each partition's end offset when the command starts, so a busy producer cannot keep it running. With --follow it keeps tailing, like tail -f, until Ctrl-C. Per-partition order is always kept.

Offsets (-o START[:END], END exclusive): beginning, end, N, -N (N before the end of each partition), +N (N after its start), @2026-01-01T00:00:00Z, @-1h (durations: ms s m h d w), and ranges like 100:200, @-1h:end, @2026-01-01:@2026-01-02.

With --group, members resume each partition from the group's committed offset; -o beginning|end (or earliest|latest, --from-beginning, --reset) only sets where a partition WITHOUT a committed offset starts, as Kafka's auto.offset.reset. To move committed offsets: strom offsets reset.

On a terminal the output is aligned and coloured (partition, offset, key dimmed, value); piped, it is the raw value per line.`
  static examples = [
    {description: 'Everything, one value per line', command: '<%= config.bin %> consume logs'},
    {description: 'Follow new messages as they arrive', command: '<%= config.bin %> consume logs -f -o end'},
    {description: 'The last 10 messages of each partition', command: '<%= config.bin %> consume logs -o -10'},
    {description: 'The last hour, with partition, offset and key', command: '<%= config.bin %> consume logs -o @-1h -F "%p:%o %k %v\\n"'},
    {description: 'NDJSON envelopes (what produce --json reads back)', command: '<%= config.bin %> consume logs --json | jq .value'},
    {description: 'Offsets 100 to 199 of partition 0', command: '<%= config.bin %> consume logs -p 0 -o 100:200'},
    {description: 'Several services as one stream, ordered by time, errors only', command: '<%= config.bin %> consume api web db -f -o end --merge time --grep ERROR'},
    {description: 'As a member of a consumer group (run it in several terminals)', command: '<%= config.bin %> consume logs --group workers -f'},
    {description: 'Only what committed transactions wrote (as a Kafka consumer with isolation.level=read_committed)', command: '<%= config.bin %> consume out --isolation-level read_committed'},
    {description: 'A group subscribed to every topic matching a pattern, now and later', command: '<%= config.bin %> consume --group audit --pattern "^app-.*" -f'},
  ]

  static strict = false
  static args = {
    topic: Args.string({ignoreStdin: true, description: 'topic(s) to read (with --group, --pattern can replace them)', required: false}),
  }

  static flags = {
    // No parse default for --offset, --commit (nor any flag that means something else with --group):
    // a default would make an explicit value indistinguishable from none (`-o beginning` with --group
    // used to be silently ignored that way). They are resolved in run().
    offset: Flags.string({char: 'o', description: 'where to start (and optionally end): START[:END] (default: beginning); with --group: beginning|end|earliest|latest, the start of partitions without a committed offset'}),
    'from-beginning': Flags.boolean({description: 'start at the beginning, as -o beginning (kafka-console-consumer\'s flag); with --group: for partitions without a committed offset', exclusive: ['offset']}),
    partition: Flags.integer({char: 'p', description: 'read only this partition (repeatable)', multiple: true}),
    'max-messages': Flags.integer({char: 'n', description: 'stop after this many messages'}),
    follow: Flags.boolean({char: 'f', description: 'keep waiting for new messages until Ctrl-C'}),
    format: Flags.string({char: 'F', description: 'output template: %t %p %o %T %k %v %h %K %S (e.g. "%p:%o %v\\n")'}),
    json: Flags.boolean({description: 'print one NDJSON envelope {topic, partition, offset, timestamp, key, value, headers} per message'}),
    pretty: Flags.boolean({description: 'aligned, coloured output (default on a terminal; --no-pretty for raw values)', allowNo: true}),
    delimiter: Flags.string({char: 'D', description: 'written after each value in the raw output (default: \\n; implies --no-pretty)', exclusive: ['json', 'format']}),
    'value-encoding': Flags.string({description: 'how values (and header values) are printed', options: [...ENCODINGS], default: 'utf8'}),
    'key-encoding': Flags.string({description: 'how keys are printed', options: [...ENCODINGS], default: 'utf8'}),
    grep: Flags.string({description: 'only messages whose value matches this regular expression'}),
    key: Flags.string({description: 'only messages with exactly this key'}),
    'invert-match': Flags.boolean({description: 'with --grep/--key: only messages that do NOT match'}),
    merge: Flags.string({description: 'several topics/partitions as one stream ordered by record timestamp', options: ['time']}),
    group: Flags.string({char: 'G', description: 'consume as a member of this consumer group: partitions are shared with the other members and offsets committed'}),
    pattern: Flags.string({description: 'with --group: subscribe to every topic matching this regular expression (also topics created later)'}),
    strategy: Flags.string({description: "with --group: partition assignment strategy (default: the group's, sticky for a new group)", options: [...STRATEGIES]}),
    reset: Flags.string({description: 'with --group: where to start a partition that has no committed offset (default: latest with --follow, earliest otherwise; -o beginning|end and --from-beginning say the same)', options: ['earliest', 'latest']}),
    commit: Flags.string({description: 'with --group: auto (after output is flushed; the default), sync (after every message) or none', options: ['auto', 'sync', 'none']}),
    'check-crcs': Flags.boolean({description: 'verify the CRC-32C of each batch read (--no-check-crcs to skip)', allowNo: true, default: true}),
    'skip-corrupt': Flags.boolean({description: 'step over damaged batches (reported on stderr) instead of stopping with an error'}),
    verbose: Flags.boolean({char: 'v', description: 'report on stderr where each partition is read from (with -f: once it is following, so a producer started after that line is seen); with --group: each assignment'}),
    'isolation-level': Flags.string({description: 'read_committed: only records of committed transactions (and non-transactional ones), up to the last stable offset; read_uncommitted: every record, also of open and aborted transactions (Kafka\'s isolation.level)', options: ['read_uncommitted', 'read_committed'], default: 'read_uncommitted'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Consume)
    const names = argv as string[]
    const range = parseRange(flags.offset ?? 'beginning')
    // In a group, commits must match what was written out: exact output (see RecordOutput).
    const out = new RecordOutput(process.stdout, flags.group !== undefined)
    // Renderer and filter first: a bad template or pattern is a usage error before anything is opened.
    const render = await makeRenderer({
      json: flags.json,
      format: flags.format,
      pretty: flags.pretty ?? (Boolean(process.stdout.isTTY) && !flags.json && flags.format === undefined && flags.delimiter === undefined),
      color: colorLevel(process.stdout),
      delimiter: flags.delimiter ?? '\\n',
      keyEncoding: flags['key-encoding'] as Encoding,
      valueEncoding: flags['value-encoding'] as Encoding,
      showTopic: names.length > 1 || flags.pattern !== undefined,
      showTime: flags.merge === 'time',
      inPlace: true,
    }, out)
    if (flags['invert-match'] && flags.grep === undefined && flags.key === undefined) {
      throw new StromError('INVALID_ARGUMENT', '--invert-match applies only with --grep or --key', {hint: 'add --grep REGEX or --key K'})
    }
    const filter = makeFilter({grep: flags.grep, key: flags.key, invert: flags['invert-match']})
    const limit = flags['max-messages'] ?? Number.POSITIVE_INFINITY
    let count = 0
    const visit = (topic: string, partition: number, record: RecordView): boolean => {
      if (filter !== undefined && !filter(record)) return true
      if (count >= limit) return false
      render(topic, partition, record)
      count++
      return count < limit
    }

    if (flags.group === undefined && (flags.pattern !== undefined || flags.strategy !== undefined || flags.reset !== undefined || flags.commit !== undefined)) {
      throw new StromError('INVALID_ARGUMENT', '--pattern, --strategy, --reset and --commit apply only with --group', {hint: 'add --group NAME'})
    }
    const reset = flags.group === undefined ? undefined : groupStart(flags)
    if (flags.group === undefined && names.length === 0) throw new StromError('INVALID_ARGUMENT', 'no topic given', {hint: 'strom consume TOPIC [TOPIC...]'})
    const backend = await this.openBackend(flags)
    if (flags.group !== undefined) return this.runGroup(backend, names, {...flags, reset: reset!}, out, visit)
    const reader: RecordSource = await backend.openReader(names.map((topic) => ({topic, partitions: flags.partition})), {
      range,
      follow: flags.follow,
      merge: flags.merge === 'time' ? 'time' : undefined,
      checkCrcs: flags['check-crcs'],
      onCorrupt: flags['skip-corrupt'] ? reportSkipped : undefined,
      isolation: flags['isolation-level'] as IsolationLevel,
    })
    if (flags.verbose) for (const start of reader.starts?.() ?? []) process.stderr.write(describeStart(start))
    out.whenClosed(() => reader.stop())
    this.onInterrupt(() => {
      reader.stop()
      stopOutput(out, () => undefined, () => {
        this.exitWhenDone = true
      })
    })
    // A long bounded read into a pipe or file gets a progress bar on the terminal (stderr).
    const remaining = reader.remaining()
    const progress = !flags.follow && !process.stdout.isTTY && remaining !== undefined ? new Progress('consume', remaining, 'msg') : undefined
    let reported = 0
    try {
      await reader.run(progress === undefined ? visit : (topic, partition, record) => {
        reported++
        return visit(topic, partition, record)
      }, () => {
        progress?.advance(reported)
        reported = 0
        return flags.follow ? out.flush() : out.maybeFlush()
      })
    } finally {
      // Everything read before an error (a corrupt batch) is still printed.
      progress?.finish()
      await out.flush()
    }
  }

  private async runGroup(
    backend: Backend,
    names: string[],
    flags: {group?: string; pattern?: string; strategy?: string; reset: ResetPolicy; commit?: string; follow: boolean; partition?: number[]; merge?: string; 'check-crcs': boolean; 'skip-corrupt': boolean; verbose: boolean; 'isolation-level': string},
    out: RecordOutput,
    visit: (topic: string, partition: number, record: RecordView) => boolean,
  ): Promise<void> {
    if (flags.partition !== undefined) throw new StromError('INVALID_ARGUMENT', '-p/--partition cannot be used with --group: the group assigns partitions', {hint: 'drop -p, or drop --group to read chosen partitions'})
    if (flags.merge !== undefined) throw new StromError('INVALID_ARGUMENT', '--merge cannot be used with --group')
    if (names.length === 0 && flags.pattern === undefined) throw new StromError('INVALID_ARGUMENT', 'no topic given', {hint: 'name topics, or subscribe with --pattern REGEX'})
    let pattern: RegExp | undefined
    if (flags.pattern !== undefined) {
      try {
        pattern = new RegExp(flags.pattern)
      } catch (error) {
        throw new StromError('INVALID_ARGUMENT', `invalid --pattern: ${(error as Error).message}`)
      }
    }
    const consumer = await backend.openGroupReader(flags.group!, {
      topics: names,
      pattern,
      strategy: flags.strategy as Strategy | undefined,
      follow: flags.follow,
      reset: flags.reset,
      commit: (flags.commit ?? 'auto') as CommitMode,
      checkCrcs: flags['check-crcs'],
      onCorrupt: flags['skip-corrupt'] ? reportSkipped : undefined,
      isolation: flags['isolation-level'] as IsolationLevel,
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      onAssignment: flags.verbose || process.env.STROM_DEBUG_GROUPS ? (event) => process.stderr.write(`assignment g${event.generation}: ${event.assigned.join(' ')}\n`) : undefined,
    })
    // Where each record's output ends: after a stop that cut the output short, the records not
    // wholly written out are not committed (they are read again next time, nothing is lost).
    const marks: Array<{topic: string; partition: number; offset: number; end: number}> = []
    const visitMarked = (topic: string, partition: number, record: RecordView): boolean => {
      const keepGoing = visit(topic, partition, record)
      marks.push({topic, partition, offset: record.offset, end: out.position()})
      return keepGoing
    }
    out.whenClosed(() => consumer.stop())
    this.onInterrupt(() => {
      consumer.stop()
      stopOutput(out, () => {
        for (const mark of marks) if (mark.end > out.delivered) consumer.rewind?.(mark.topic, mark.partition, mark.offset)
      }, () => {
        this.exitWhenDone = true
      })
    })
    await consumer.run(visitMarked, async () => {
      await out.flush()
      if (out.delivered === out.position()) marks.length = 0
    })
    await out.flush()
  }
}

/**
 * Where a group member starts a partition that has no committed offset (partitions with one always
 * resume from it): --reset, -o beginning|end|earliest|latest or --from-beginning, as the Kafka
 * tools spell it; else latest with --follow, earliest without (Kafka's auto.offset.reset).
 */
function groupStart(flags: {offset?: string; 'from-beginning': boolean; reset?: string; follow: boolean}): ResetPolicy {
  const chosen: Array<[string, ResetPolicy]> = []
  if (flags.reset !== undefined) chosen.push([`--reset ${flags.reset}`, flags.reset as ResetPolicy])
  if (flags['from-beginning']) chosen.push(['--from-beginning', 'earliest'])
  if (flags.offset !== undefined) {
    const policy = GROUP_OFFSETS[flags.offset]
    if (policy === undefined) {
      throw new StromError('INVALID_ARGUMENT', `-o ${flags.offset} cannot be used with --group: members resume from the committed offsets`, {
        hint: '-o beginning|end|earliest|latest (or --from-beginning) sets where partitions without a committed offset start; `strom offsets reset` moves the group',
      })
    }
    chosen.push([`-o ${flags.offset}`, policy])
  }
  if (chosen.some(([, policy]) => policy !== chosen[0][1])) {
    throw new StromError('INVALID_ARGUMENT', `${chosen.map(([flag]) => flag).join(' and ')} contradict each other`, {hint: 'give one of them'})
  }
  return chosen[0]?.[1] ?? (flags.follow ? 'latest' : 'earliest')
}

const GROUP_OFFSETS: Record<string, ResetPolicy | undefined> = {beginning: 'earliest', earliest: 'earliest', end: 'latest', latest: 'latest'}

/** Output still not written out this long after a stop is dropped (a downstream may never read it). */
const OUTPUT_GRACE_MS = 300

/** After SIGINT/SIGTERM: gives the output a moment to go out, then `beforeAbort` and aborts it. */
function stopOutput(out: RecordOutput, beforeAbort: () => void, aborted: () => void): void {
  setTimeout(() => {
    if (out.delivered === out.position()) return
    beforeAbort()
    out.abort()
    aborted()
  }, OUTPUT_GRACE_MS).unref()
}

/** `consume -v`: "following t/0 from offset 12" (the read is positioned), or "reading t/0 from offset 3 to 20 (exclusive)". */
function describeStart(s: ReadStart): string {
  const at = `${s.topic}/${s.partition} from offset ${s.position}`
  return s.end === undefined ? `following ${at}\n` : `reading ${at} to ${s.end} (exclusive)\n`
}

function reportSkipped(s: SkippedCorruption): void {
  process.stderr.write(`warning: skipped ${s.bytes} corrupt bytes in ${s.where}, segment ${s.segment}, at byte ${s.position}${s.offset === undefined ? '' : ` (batch offset ${s.offset})`}: ${s.reason}\n`)
}

export type {RangeSpec, RenderRecord}
