import {Args} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {formatBytes, renderTable} from '../../cli/table.js'
import {describeConfig} from '../../core/config.js'
import type {PartitionInfo} from '../../core/log.js'

export default class TopicDescribe extends StromCommand {
  static summary = 'Show a topic: partitions with start/end offsets, sizes and segments, and its config.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> topic describe logs', '<%= config.bin %> topic describe logs --json | jq ".partitions[].endOffset"']
  static args = {name: Args.string({ignoreStdin: true, description: 'topic name', required: true})}

  async run(): Promise<{topic: string; partitions: PartitionInfo[]; config: Array<{name: string; value: string; source: string}>}> {
    const {args, flags} = await this.parse(TopicDescribe)
    const log = this.openLog(flags.dir)
    const topic = log.topic(args.name)
    const partitions = [...Array(topic.partitions).keys()].map((p) => topic.describePartition(p))
    const config = describeConfig(topic.meta.config)
    if (!this.jsonEnabled()) {
      process.stdout.write(`topic ${topic.name}: ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}\n`)
      process.stdout.write(renderTable(['PARTITION', 'START', 'END', 'MESSAGES', 'SIZE', 'SEGMENTS'],
        partitions.map((p) => [p.partition, p.logStartOffset, p.endOffset, p.endOffset - p.logStartOffset, formatBytes(p.sizeBytes), p.segments])))
      process.stdout.write('\n' + renderTable(['CONFIG', 'VALUE', 'SOURCE'], config.map((c) => [c.name, c.value, c.source])))
    }
    return {topic: topic.name, partitions, config}
  }
}
