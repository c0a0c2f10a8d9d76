import {StromCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import type {GroupSummary} from '../../backends/backend.js'

export default class GroupList extends StromCommand {
  static summary = 'List consumer groups with their state and live members.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> group list', '<%= config.bin %> group list --json']

  async run(): Promise<GroupSummary[]> {
    const {flags} = await this.parse(GroupList)
    const groups = await (await this.openBackend(flags)).listGroups()
    if (!this.jsonEnabled()) {
      if (groups.length === 0) process.stderr.write('no consumer groups yet; `strom consume TOPIC --group NAME` creates one\n')
      else process.stdout.write(renderTable(['GROUP', 'STATE', 'MEMBERS', 'STRATEGY'], groups.map((g) => [g.group, g.state, g.members, g.protocol ?? '-'])))
    }
    return groups
  }
}
