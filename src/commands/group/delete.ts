import {Args} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'

export default class GroupDelete extends StromCommand {
  static summary = 'Delete a consumer group and its committed offsets (only when it has no live members).'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> group delete old-workers']
  static args = {group: Args.string({ignoreStdin: true, description: 'group name', required: true})}

  async run(): Promise<{group: string; deleted: boolean}> {
    const {args, flags} = await this.parse(GroupDelete)
    await (await this.openBackend(flags)).deleteGroup(args.group)
    this.log(`deleted group ${args.group}`)
    return {group: args.group, deleted: true}
  }
}
