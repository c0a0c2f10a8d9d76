import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {parseConfigPairs} from '../../core/config.js'

export default class TopicCreate extends StromCommand {
  static summary = 'Create a topic.'
  static enableJsonFlag = true
  static examples = [
    '<%= config.bin %> topic create logs --partitions 4',
    '<%= config.bin %> topic create users --config cleanup.policy=compact --config segment.bytes=104857600',
  ]

  static args = {name: Args.string({ignoreStdin: true, description: 'topic name: letters, digits, ".", "_", "-" (at most 249)', required: true})}
  static flags = {
    partitions: Flags.integer({char: 'p', description: 'number of partitions', default: 1}),
    config: Flags.string({char: 'c', description: 'topic config key=value, Kafka names (repeatable)', multiple: true}),
    'if-not-exists': Flags.boolean({description: 'succeed quietly when the topic already exists'}),
  }

  async run(): Promise<{topic: string; partitions: number; config: Record<string, string>; created: boolean}> {
    const {args, flags} = await this.parse(TopicCreate)
    const config = parseConfigPairs(flags.config ?? [])
    const log = this.openLog(flags.dir)
    if (flags['if-not-exists'] && log.topics.exists(args.name)) {
      const meta = log.topics.read(args.name)
      return {topic: meta.name, partitions: meta.partitions, config: meta.config, created: false}
    }
    const topic = log.createTopic(args.name, {partitions: flags.partitions, config})
    this.log(`created topic ${topic.name} with ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}`)
    return {topic: topic.name, partitions: topic.partitions, config, created: true}
  }
}
