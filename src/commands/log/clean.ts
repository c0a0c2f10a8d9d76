import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {formatBytes} from '../../cli/table.js'
import {CompactionResult, dirtyRatio, isCompacted} from '../../core/maintenance/compaction.js'
import {maintainPartition} from '../../core/maintenance/maintain.js'
import {RetentionResult, SegmentDecision, previewRetention} from '../../core/maintenance/retention.js'
import {maintenanceTargets} from '../../core/maintenance/targets.js'
import {listSegmentBases} from '../../core/partition/partition-files.js'
import {outcomeOf, ownerAliveIn} from '../../core/txn/isolation.js'
import {recoverTransactions} from '../../core/txn/txn-coordinator.js'
import {StromError} from '../../core/errors.js'
import {listTransactionStates} from '../../core/txn/txn-store.js'

interface CleanReport {
  topic: string
  partition: number
  retention?: RetentionResult
  compaction?: CompactionResult | {wouldCompact: boolean; dirtyRatio: number}
}

export default class LogClean extends StromCommand {
  static summary = 'Apply retention (and compaction) now: delete whole segments past retention.ms / retention.bytes.'
  static description = `There is no daemon: when a producer rolls a segment and retention or compaction is due, the pass runs on a low-priority thread of the producer, and what is left when it exits runs as this command in the background (detached; \`strom topic describe\` shows when maintenance last ran and what it did). Whole segments only, oldest first; an active segment that is itself past retention is rolled, then deleted. Segments that a group in retention.hold.groups has not committed past are kept. Compacted topics are compacted when their dirty ratio passes min.cleanable.dirty.ratio (use \`strom log compact\` to force it). First, incomplete transactions are finished, as Kafka's transaction coordinator does: aborted when their producer died or their timeout passed, completed when decided (how many is said on stderr).`
  static enableJsonFlag = true
  static examples = [
    '<%= config.bin %> log clean',
    '<%= config.bin %> log clean logs --dry-run',
    '<%= config.bin %> log clean logs --json | jq ".partitions[].retention.deletions"',
  ]

  static args = {topic: Args.string({ignoreStdin: true, description: 'topic to clean (default: every topic)'})}
  static flags = {
    'dry-run': Flags.boolean({description: 'list what would be deleted or compacted, change nothing'}),
    // The detached cleaner a producer leaves its outstanding maintenance to (src/cli/background-cleaner.ts): prints nothing.
    background: Flags.boolean({hidden: true, exclusive: ['dry-run']}),
  }

  async run(): Promise<{partitions: CleanReport[]; transactionsFinished: number}> {
    const {args, flags} = await this.parse(LogClean)
    const log = this.openLog(flags)
    const dryRun = flags['dry-run']
    // First, as Kafka's coordinator would: transactions whose producer died or timed out are aborted,
    // decided ones completed. Their markers make their data readable and cleanable. (Transactions
    // span topics, so this covers the whole log directory, also with a topic named.)
    let transactionsFinished = 0
    try {
      transactionsFinished = dryRun ? decidedTransactions(log.dir) : recoverTransactions(log)
    } catch (error) {
      // A damaged state file must not stop retention: said, and cleaning goes on.
      if (!(error instanceof StromError)) throw error
      if (!flags.background) this.logToStderr(`warning: transactions were not finished: ${error.message}${error.hint === undefined ? '' : `; to fix: ${error.hint}`}`)
    }
    const reports: CleanReport[] = []
    const out: string[] = []
    const background = flags.background
    for (const ref of maintenanceTargets(log, args.topic)) {
      const report: CleanReport = {topic: ref.topic, partition: ref.partition}
      const policies = ref.config.cleanupPolicy.split(',')
      // The same pass, whoever asks for it (and recorded in maintenance.json); a dry run only plans.
      const done = dryRun ? undefined : maintainPartition(ref, {trigger: background ? 'roll' : 'manual'})
      if (policies.includes('delete')) {
        const retention = done?.retention ?? {...previewRetention(ref), applied: false, rolled: false}
        report.retention = retention
        const verb = dryRun ? 'would delete' : 'deleted'
        for (const s of retention.deletions) out.push(`${verb} ${ref.topic}/${ref.partition} ${describeSegment(s)}${s.active ? ' (the active segment, rolled first)' : ''}`)
        for (const s of retention.held) out.push(`kept ${ref.topic}/${ref.partition} ${describeSegment(s)}: held by ${holders(retention)}`)
        if (retention.newLogStartOffset !== retention.logStartOffset) out.push(`${ref.topic}/${ref.partition}: log start ${retention.logStartOffset} -> ${retention.newLogStartOffset}`)
      }
      if (isCompacted(ref.config.cleanupPolicy)) {
        if (dryRun) {
          const ratio = dirtyRatio(ref.partitionDir, listSegmentBases(ref.partitionDir).slice(0, -1)).ratio
          const wouldCompact = ratio > ref.config.minCleanableDirtyRatio
          report.compaction = {wouldCompact, dirtyRatio: ratio}
          if (wouldCompact) out.push(`would compact ${ref.topic}/${ref.partition} (dirty ratio ${ratio.toFixed(2)} > ${ref.config.minCleanableDirtyRatio})`)
        } else if (done?.compaction !== undefined) {
          report.compaction = done.compaction
          if (done.compaction.compacted) out.push(describeCompaction(done.compaction))
        }
      }
      reports.push(report)
    }
    if (background) return {partitions: reports, transactionsFinished}
    if (!this.jsonEnabled()) {
      if (transactionsFinished > 0) {
        this.logToStderr(`${dryRun ? 'would finish' : 'finished'} ${transactionsFinished} incomplete transaction(s): aborted where the producer died or the timeout passed, committed or aborted as decided otherwise`)
      }
      if (out.length === 0) this.logToStderr(dryRun ? 'nothing would be cleaned' : 'nothing to clean')
      else process.stdout.write(out.join('\n') + '\n')
    }
    return {partitions: reports, transactionsFinished}
  }
}

export function describeSegment(s: SegmentDecision): string {
  const range = s.endOffset > s.baseOffset ? `offsets ${s.baseOffset}..${s.endOffset - 1}` : `empty, base ${s.baseOffset}`
  const why = s.reason === 'retention.ms' ? `retention.ms: newest record ${age(Date.now() - s.largestTimestamp)} old` : s.reason === 'retention.bytes' ? 'retention.bytes' : 'below the log start offset'
  return `segment ${s.baseOffset} (${range}, ${formatBytes(s.sizeBytes)}; ${why})`
}

function holders(r: RetentionResult): string {
  return r.holds.groups.map((g) => `group ${g.group} (committed ${g.committed ?? 'nothing'})`).join(', ')
}

export function describeCompaction(c: CompactionResult): string {
  return `compacted ${c.topic}/${c.partition}: ${c.segmentsBefore} segment(s) -> ${c.segmentsAfter}, ${c.recordsIn} records -> ${c.recordsOut}, ${formatBytes(c.bytesBefore)} -> ${formatBytes(c.bytesAfter)}`
    + (c.tombstonesRemoved > 0 ? `, ${c.tombstonesRemoved} tombstone(s) removed` : '') + (c.keylessRemoved > 0 ? `, ${c.keylessRemoved} keyless record(s) removed` : '')
    + (c.abortedRemoved > 0 ? `, ${c.abortedRemoved} record(s) of aborted transactions removed` : '')
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 120) return `${s}s`
  if (s < 7200) return `${Math.round(s / 60)}m`
  if (s < 172_800) return `${Math.round(s / 3600)}h`
  return `${Math.round(s / 86_400)}d`
}

/** How many transactions recoverTransactions would finish now (for --dry-run). */
function decidedTransactions(logDir: string): number {
  const now = Date.now()
  const alive = ownerAliveIn(logDir)
  return listTransactionStates(logDir).filter((state) => {
    const outcome = outcomeOf(state, now, alive)
    return outcome === 'committed' || outcome === 'aborted'
  }).length
}
