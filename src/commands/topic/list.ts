import {StromCommand} from '../../cli/base-command.js'
import {formatBytes, renderTable} from '../../cli/table.js'
import type {TopicSummary} from '../../backends/backend.js'

export default class TopicList extends StromCommand {
  static summary = 'List topics with their partitions, message counts and sizes.'
  static enableJsonFlag = true
  static aliases = ['topic ls']
  static examples = ['<%= config.bin %> topic list', '<%= config.bin %> topic list --json | jq -r ".[].topic"', '<%= config.bin %> topic list --bootstrap-server localhost:9092']

  async run(): Promise<TopicSummary[]> {
    const {flags} = await this.parse(TopicList)
    const backend = await this.openBackend(flags)
    const summaries = await backend.listTopics()
    if (!this.jsonEnabled()) {
      if (summaries.length === 0) process.stderr.write(`no topics in ${backend.label}; create one with \`strom topic create NAME\`\n`)
      else process.stdout.write(renderTable(['TOPIC', 'PARTITIONS', 'MESSAGES', 'SIZE'], summaries.map((s) => [s.topic, s.partitions, s.messages, s.sizeBytes === null ? '-' : formatBytes(s.sizeBytes)])))
    }
    return summaries
  }
}
