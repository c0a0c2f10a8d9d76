import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {parseConfigAssignments} from '../../cli/config-flags.js'
import {StromError} from '../../core/errors.js'

export default class TopicAlter extends StromCommand {
  static summary = 'Add partitions to a topic or change its config.'
  static enableJsonFlag = true
  static examples = [
    '<%= config.bin %> topic alter logs --partitions 8',
    '<%= config.bin %> topic alter logs --config retention.ms=86400000',
    '<%= config.bin %> topic alter logs --delete-config retention.ms',
  ]

  static args = {name: Args.string({ignoreStdin: true, description: 'topic name', required: true})}
  static flags = {
    partitions: Flags.integer({char: 'p', description: 'new partition count (can only grow; keyed messages may map to other partitions afterwards)'}),
    config: Flags.string({char: 'c', description: 'set a config key=value (repeatable)', multiple: true}),
    'delete-config': Flags.string({description: 'remove a config override, back to the default (repeatable)', multiple: true}),
  }

  async run(): Promise<{topic: string; partitions: number; config: Record<string, string>}> {
    const {args, flags} = await this.parse(TopicAlter)
    if (flags.partitions === undefined && flags.config === undefined && flags['delete-config'] === undefined) {
      throw new StromError('INVALID_ARGUMENT', 'nothing to change', {hint: 'give --partitions N, --config key=value or --delete-config key'})
    }
    const config = parseConfigAssignments(flags.config ?? [])
    for (const key of flags['delete-config'] ?? []) config[key] = ''
    const backend = await this.openBackend(flags)
    const altered = await backend.alterTopic(args.name, {partitions: flags.partitions, config})
    this.log(`altered topic ${args.name}: ${altered.partitions} partition${altered.partitions === 1 ? '' : 's'}`)
    return {topic: args.name, partitions: altered.partitions, config: altered.config}
  }
}
