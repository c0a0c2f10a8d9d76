import {StromCommand} from '../../cli/base-command.js'
import {formatBytes, renderTable} from '../../cli/table.js'

interface TopicSummary {
  topic: string
  partitions: number
  messages: number
  sizeBytes: number
}

export default class TopicList extends StromCommand {
  static summary = 'List topics with their partitions, message counts and sizes.'
  static enableJsonFlag = true
  static aliases = ['topic ls']
  static examples = ['<%= config.bin %> topic list', '<%= config.bin %> topic list --json | jq -r ".[].topic"']

  async run(): Promise<TopicSummary[]> {
    const {flags} = await this.parse(TopicList)
    const log = this.openLog(flags.dir)
    const summaries = log.listTopics().map((name) => {
      const topic = log.topic(name)
      let messages = 0
      let sizeBytes = 0
      for (let p = 0; p < topic.partitions; p++) {
        const info = topic.describePartition(p)
        messages += info.endOffset - info.logStartOffset
        sizeBytes += info.sizeBytes
      }
      return {topic: name, partitions: topic.partitions, messages, sizeBytes}
    })
    if (!this.jsonEnabled()) {
      if (summaries.length === 0) process.stderr.write(`no topics in ${log.dir}; create one with \`strom topic create NAME\`\n`)
      else process.stdout.write(renderTable(['TOPIC', 'PARTITIONS', 'MESSAGES', 'SIZE'], summaries.map((s) => [s.topic, s.partitions, s.messages, formatBytes(s.sizeBytes)])))
    }
    return summaries
  }
}
