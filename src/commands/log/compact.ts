import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {Progress} from '../../cli/progress.js'
import {StromError} from '../../core/errors.js'
import {CompactionResult, compactPartition, isCompacted} from '../../core/maintenance/compaction.js'
import {maintenanceTargets} from '../../core/maintenance/targets.js'
import {describeCompaction} from './clean.js'

export default class LogCompact extends StromCommand {
  static summary = 'Compact a topic now: keep the latest record of each key in the closed segments.'
  static description = `For topics with cleanup.policy=compact (or compact,delete). Offsets and order are kept (gaps are normal); tombstones (null values) are removed once delete.retention.ms has passed since the first compaction that saw them; the active segment is never touched. Runs regardless of min.cleanable.dirty.ratio (after a roll, compaction runs by itself only past that ratio). It first closes (rolls) a non-empty active segment so that everything produced so far is compacted; --no-roll leaves the active segment as it is, as Kafka's cleaner does.`
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> log compact users', '<%= config.bin %> log compact --json']
  static args = {topic: Args.string({ignoreStdin: true, description: 'topic to compact (default: every compacted topic)'})}
  static flags = {roll: Flags.boolean({description: 'roll the active segment first so it is compacted too (--no-roll: leave it)', allowNo: true, default: true})}

  async run(): Promise<{partitions: CompactionResult[]}> {
    const {args, flags} = await this.parse(LogCompact)
    const log = this.openLog(flags)
    if (args.topic !== undefined) {
      const policy = log.topic(args.topic).config.cleanupPolicy
      if (!isCompacted(policy)) {
        throw new StromError('INVALID_ARGUMENT', `topic '${args.topic}' is not compacted (cleanup.policy=${policy})`, {
          hint: `make it compacted with \`strom topic alter ${args.topic} --config cleanup.policy=compact\` (every record then needs a key)`,
        })
      }
    }
    const refs = maintenanceTargets(log, args.topic).filter((ref) => isCompacted(ref.config.cleanupPolicy))
    // One step per partition: a bar with rate and ETA on a terminal when there are many.
    const progress = new Progress('compact', refs.length > 1 ? refs.length : 0, 'partitions')
    const results = refs.map((ref) => {
      const result = compactPartition(ref, {force: true, roll: flags.roll})
      progress.advance(1)
      return result
    })
    progress.finish()
    if (!this.jsonEnabled()) {
      for (const r of results) {
        if (r.compacted) this.log(describeCompaction(r))
        else this.logToStderr(`${r.topic}/${r.partition}: nothing to compact (${r.skipped})`)
      }
      if (results.length === 0) this.logToStderr('no compacted topic')
    }
    return {partitions: results}
  }
}
