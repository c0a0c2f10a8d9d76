import {Args} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {EXIT} from '../../cli/exit-codes.js'
import {Progress} from '../../cli/progress.js'
import {formatBytes} from '../../cli/table.js'
import {Segment} from '../../core/segment/segment.js'
import {maintenanceTargets} from '../../core/maintenance/targets.js'
import {Fault, GroupFault, PartitionCheck, TransactionFault, verifyGroups, verifyPartition, verifyTransactions} from '../../core/maintenance/verify.js'
import {listSegmentBases} from '../../core/partition/partition-files.js'
import {GroupStore} from '../../core/groups/group-store.js'

export default class LogVerify extends StromCommand {
  static summary = "Check every batch CRC, the offset order, both indexes and segment continuity, transaction markers and .txnindex files, and the consumer groups' and transactions' files; exit 0 when clean, 1 otherwise."
  static description = 'Read-only and lock-free: safe while producers and consumers run. Each fault is printed with topic, partition, segment file, byte position and offset. Fix what it finds with `strom log repair`.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> log verify', '<%= config.bin %> log verify logs', '<%= config.bin %> log verify --json | jq ".faults[]"']
  static args = {topic: Args.string({ignoreStdin: true, description: 'topic to verify (default: every topic)'})}

  async run(): Promise<{clean: boolean; partitions: number; segments: number; batches: number; bytes: number; faults: Fault[]; groupFaults: GroupFault[]; transactionFaults: TransactionFault[]}> {
    const {args, flags} = await this.parse(LogVerify)
    const log = this.openLog(flags)
    const refs = maintenanceTargets(log, args.topic)
    const totalBytes = refs.reduce((sum, ref) => sum + listSegmentBases(ref.partitionDir).reduce((n, b) => n + new Segment(ref.partitionDir, b).logSize(), 0), 0)
    const progress = new Progress('verify', totalBytes, 'B')
    const checks: PartitionCheck[] = refs.map((ref) => verifyPartition(ref, {onProgress: (bytes) => progress.advance(bytes)}))
    progress.finish()
    const faults = checks.flatMap((c) => c.faults)
    // Group files are small: checked on every run (a damaged offsets.json makes consumers skip or repeat data).
    const groupFaults = verifyGroups(log.dir)
    // So are transaction state files (a damaged one leaves its transaction's outcome unknown).
    const transactionFaults = verifyTransactions(log.dir)
    const summary = {
      clean: faults.length === 0 && groupFaults.length === 0 && transactionFaults.length === 0,
      partitions: checks.length,
      segments: checks.reduce((n, c) => n + c.segments.length, 0),
      batches: checks.reduce((n, c) => n + c.batches, 0),
      bytes: checks.reduce((n, c) => n + c.bytes, 0),
      faults,
      groupFaults,
      transactionFaults,
    }
    if (!this.jsonEnabled()) {
      for (const f of faults) this.log(formatFault(f))
      for (const f of groupFaults) this.log(`group ${f.group}: ${f.message}; to fix: ${f.hint}`)
      for (const f of transactionFaults) this.log(`transaction ${f.transactionalDir}: ${f.message}; to fix: ${f.hint}`)
      const groups = GroupStore.list(log.dir).length
      const partitionPart = faults.length === 0 ? 'no faults' : `${faults.length} fault(s); fix with \`strom log repair${args.topic === undefined ? '' : ` ${args.topic}`}\``
      const groupPart = groupFaults.length === 0 ? 'sound' : `${groupFaults.length} damaged file(s), see above`
      const txnPart = transactionFaults.length === 0 ? '' : `; transaction state files: ${transactionFaults.length} damaged, see above`
      this.logToStderr(`verified ${summary.partitions} partition(s), ${summary.segments} segment(s), ${summary.batches} batch(es), ${formatBytes(summary.bytes)}: ${partitionPart}; files of ${groups} group(s): ${groupPart}${txnPart}`)
    }
    if (!summary.clean) process.exitCode = EXIT.runtime
    return summary
  }
}

export function formatFault(f: Fault): string {
  return `${f.topic}/${f.partition} ${f.file} byte ${f.position}${f.offset === undefined ? '' : ` offset ${f.offset}`}: ${f.message}`
}

