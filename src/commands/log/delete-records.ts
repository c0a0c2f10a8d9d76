import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {formatBytes} from '../../cli/table.js'
import {StromError} from '../../core/errors.js'
import type {DeleteRecordsOutcome} from '../../backends/backend.js'

export default class LogDeleteRecords extends StromCommand {
  static summary = "Move a partition's log start offset forward (Kafka's delete-records): offsets below it are gone."
  static description = 'Whole segments below the new log start are deleted at once; the segment holding it keeps its bytes until retention deletes it whole. Refused past the committed offset of a group in retention.hold.groups unless --ignore-holds.'
  static enableJsonFlag = true
  static examples = [
    '<%= config.bin %> log delete-records logs --partition 0 --before 5000',
    '<%= config.bin %> log delete-records logs -p 0 --before end',
    '<%= config.bin %> log delete-records logs -p 0 --before 5000 --bootstrap-server localhost:9092',
  ]

  static args = {topic: Args.string({ignoreStdin: true, description: 'topic', required: true})}
  static flags = {
    partition: Flags.integer({char: 'p', description: 'partition', required: true}),
    before: Flags.string({description: "the new log start offset: every offset below it is deleted ('end': everything)", required: true}),
    'ignore-holds': Flags.boolean({description: 'delete even what a group in retention.hold.groups has not read'}),
  }

  async run(): Promise<DeleteRecordsOutcome> {
    const {args, flags} = await this.parse(LogDeleteRecords)
    const before = flags.before === 'end' ? 'end' : /^\d+$/.test(flags.before) ? Number(flags.before) : Number.NaN
    if (Number.isNaN(before)) throw new StromError('INVALID_OFFSET', `invalid --before '${flags.before}': expected an offset (a whole number) or 'end'`)
    const backend = await this.openBackend(flags)
    const result = await backend.deleteRecords(args.topic, flags.partition, before, {ignoreHolds: flags['ignore-holds']})
    if (!this.jsonEnabled()) {
      const moved = result.logStartOffset === result.previousLogStartOffset ? `log start stays ${result.logStartOffset} (it only moves forward)` : `log start ${result.previousLogStartOffset} -> ${result.logStartOffset}`
      const deleted = result.deletedSegments === null ? '' : `; deleted ${result.deletedSegments} segment(s), ${formatBytes(result.deletedBytes ?? 0)}`
      this.log(`${result.topic}/${result.partition}: ${moved}${deleted}`)
    }
    return result
  }
}
