import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {parseConfigAssignments} from '../../cli/config-flags.js'

export default class TopicCreate extends StromCommand {
  static summary = 'Create a topic.'
  static enableJsonFlag = true
  static examples = [
    '<%= config.bin %> topic create logs --partitions 4',
    '<%= config.bin %> topic create users --config cleanup.policy=compact --config segment.bytes=104857600',
    '<%= config.bin %> topic create orders --partitions 12 --replication-factor 3 --bootstrap-server kafka1:9092',
  ]

  static args = {name: Args.string({ignoreStdin: true, description: 'topic name: letters, digits, ".", "_", "-" (at most 249)', required: true})}
  static flags = {
    partitions: Flags.integer({char: 'p', description: 'number of partitions', default: 1}),
    'replication-factor': Flags.integer({char: 'r', description: "copies of each partition (Kafka only; default: the cluster's default.replication.factor)"}),
    config: Flags.string({char: 'c', description: 'topic config key=value, Kafka names (repeatable)', multiple: true}),
    'if-not-exists': Flags.boolean({description: 'succeed quietly when the topic already exists'}),
  }

  async run(): Promise<{topic: string; partitions: number; config: Record<string, string>; created: boolean}> {
    const {args, flags} = await this.parse(TopicCreate)
    const config = parseConfigAssignments(flags.config ?? [])
    const backend = await this.openBackend(flags, {write: true})
    if (flags['if-not-exists'] && (await backend.topicExists(args.name))) {
      const described = await backend.describeTopic(args.name)
      const overrides = Object.fromEntries(described.config.filter((c) => c.source !== 'default').map((c) => [c.name, c.value]))
      return {topic: args.name, partitions: described.partitions.length, config: overrides, created: false}
    }
    const created = await backend.createTopic(args.name, {partitions: flags.partitions, replicationFactor: flags['replication-factor'], config})
    this.log(`created topic ${args.name} with ${created.partitions} partition${created.partitions === 1 ? '' : 's'}`)
    return {topic: args.name, partitions: created.partitions, config, created: true}
  }
}
