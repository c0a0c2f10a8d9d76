import {Args} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import type {GroupDescription} from '../../backends/backend.js'

export default class GroupDescribe extends StromCommand {
  static summary = 'Show a consumer group: state, members, assignment, and per partition the committed offset, end offset and lag.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> group describe workers', '<%= config.bin %> group describe workers --json | jq .totalLag']
  static args = {group: Args.string({ignoreStdin: true, description: 'group name', required: true})}

  async run(): Promise<GroupDescription> {
    const {args, flags} = await this.parse(GroupDescribe)
    const description = await (await this.openBackend(flags)).describeGroup(args.group)
    if (!this.jsonEnabled()) {
      const d = description
      process.stdout.write(`group ${d.group}: ${d.state}, ${d.members.length} member${d.members.length === 1 ? '' : 's'}, strategy ${d.protocol ?? '-'}, generation ${d.generation < 0 ? '-' : d.generation}, total lag ${d.totalLag}\n`)
      if (d.members.length > 0) {
        process.stdout.write('\n' + renderTable(['MEMBER', 'PID', 'HOST', 'SINCE', 'ASSIGNMENT'], d.members.map((m) => [m.id, m.pid || '-', m.host, m.since || '-', m.assignment.join(' ') || '-'])))
      }
      if (d.partitions.length > 0) {
        process.stdout.write('\n' + renderTable(['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'OWNER'],
          d.partitions.map((p) => [p.topic, p.partition, p.committed ?? '-', p.end, p.lag ?? '-', p.owner ?? '-'])))
      }
    }
    return description
  }
}
