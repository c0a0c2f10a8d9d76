import readline from 'node:readline/promises'
import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {EXIT} from '../../cli/exit-codes.js'
import {formatBytes} from '../../cli/table.js'
import {StromError} from '../../core/errors.js'
import {RepairResult, planRepair, repairPartition} from '../../core/maintenance/repair.js'
import {maintenanceTargets} from '../../core/maintenance/targets.js'
import {formatFault} from './verify.js'

export default class LogRepair extends StromCommand {
  static summary = 'Repair what `log verify` finds: cut each damaged segment after its last valid batch and rebuild indexes, keeping every cut byte in quarantine.'
  static description = `Every byte removed is first copied to <dir>/quarantine/<topic>/<partition>/ (with a .json note saying where it came from), so nothing is destroyed without a copy; \`strom log dump --file\` reads those files. Later segments that verify are kept. Producers wait while a partition is repaired. Asks on a terminal; scripts pass --yes.`
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> log repair logs', '<%= config.bin %> log repair --yes']
  static args = {topic: Args.string({ignoreStdin: true, description: 'topic to repair (default: every topic)'})}
  static flags = {yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation'})}

  async run(): Promise<{repaired: RepairResult[]}> {
    const {args, flags} = await this.parse(LogRepair)
    const log = this.openLog(flags)
    const damaged = maintenanceTargets(log, args.topic).filter((ref) => planRepair(ref).faults.length > 0)
    if (damaged.length === 0) {
      if (!this.jsonEnabled()) this.logToStderr('nothing to repair: every segment verifies')
      return {repaired: []}
    }
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new StromError('INVALID_ARGUMENT', `refusing to repair ${damaged.length} damaged partition(s) without confirmation`, {hint: 'look first with `strom log verify`, then pass --yes'})
      for (const ref of damaged) for (const f of planRepair(ref).faults) process.stderr.write(formatFault(f) + '\n')
      const prompt = readline.createInterface({input: process.stdin, output: process.stderr})
      const answer = await prompt.question(`Repair ${damaged.length} partition(s)? Cut bytes are kept in ${log.dir}/quarantine. [y/N] `)
      prompt.close()
      if (!/^y(es)?$/i.test(answer.trim())) {
        this.logToStderr('not repaired')
        return {repaired: []}
      }
    }
    const repaired = damaged.map((ref) => repairPartition(ref))
    if (!this.jsonEnabled()) {
      for (const r of repaired) {
        for (const cut of r.cuts) {
          this.log(`${r.topic}/${r.partition} segment ${cut.segment}: cut ${formatBytes(cut.bytesCut)} from byte ${cut.position} (${cut.reason}); kept in ${cut.quarantineFile}`)
          if (cut.restored.batches > 0) this.log(`${r.topic}/${r.partition} segment ${cut.segment}: put back ${cut.restored.batches} valid batch(es) that followed the damage, offsets ${cut.restored.firstOffset}..${cut.restored.lastOffset} unchanged`)
          if (cut.gap !== undefined) this.log(`${r.topic}/${r.partition}: offsets ${cut.gap.from}..${cut.gap.to} were in the damaged bytes and are now a gap (their bytes are in the quarantine file)`)
          if (cut.rolledTo !== undefined) this.log(`${r.topic}/${r.partition}: started segment ${cut.rolledTo}, so those offsets are never handed out again`)
        }
        if (r.rebuiltIndexes.length > 0) this.log(`${r.topic}/${r.partition}: rebuilt the indexes of segment(s) ${r.rebuiltIndexes.join(', ')}`)
        if (r.rebuiltTxnIndexes.length > 0) this.log(`${r.topic}/${r.partition}: rebuilt the aborted-transaction index (.txnindex) of segment(s) ${r.rebuiltTxnIndexes.join(', ')} from the markers in the log`)
        for (const f of r.faultsAfter) this.logToStderr(`still damaged: ${formatFault(f)}`)
      }
    }
    if (repaired.some((r) => r.faultsAfter.length > 0)) process.exitCode = EXIT.runtime
    return {repaired}
  }
}
