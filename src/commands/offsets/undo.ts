import {Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import {undoLastReset} from '../../core/groups/offsets-reset.js'

export default class OffsetsUndo extends StromCommand {
  static summary = 'Put back the offsets replaced by the last executed `offsets reset` of a group.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> offsets undo --group g']
  static flags = {group: Flags.string({char: 'g', description: 'the group', required: true})}

  async run(): Promise<ReturnType<typeof undoLastReset> & {group: string}> {
    const {flags} = await this.parse(OffsetsUndo)
    const result = await (await this.openBackend(flags)).undoOffsetsReset(flags.group)
    if (!this.jsonEnabled()) {
      process.stdout.write(renderTable(['TOPIC', 'PARTITION', 'RESTORED'], result.restored.map((r) => [r.topic, r.partition, r.offset ?? '(none)'])))
      process.stderr.write(`undid: ${result.description}\n`)
    }
    return {group: flags.group, ...result}
  }
}
