import {StromCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/table.js'
import {listGroups} from '../../core/groups/group-admin.js'

export default class GroupList extends StromCommand {
  static summary = 'List consumer groups with their state and live members.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> group list', '<%= config.bin %> group list --json']

  async run(): Promise<ReturnType<typeof listGroups>> {
    const {flags} = await this.parse(GroupList)
    const groups = listGroups(this.openLog(flags.dir))
    if (!this.jsonEnabled()) {
      if (groups.length === 0) process.stderr.write('no consumer groups yet; `strom consume TOPIC --group NAME` creates one\n')
      else process.stdout.write(renderTable(['GROUP', 'STATE', 'MEMBERS', 'STRATEGY'], groups.map((g) => [g.group, g.state, g.members, g.protocol ?? '-'])))
    }
    return groups
  }
}
