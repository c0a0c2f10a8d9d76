import {Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {formatBytes, renderTable} from '../cli/table.js'
import type {Snapshot} from '../core/stats/snapshot.js'

export default class Top extends StromCommand {
  static summary = 'Live dashboard of the log directory (or Kafka cluster): topics with rates, groups with lag.'
  static description = `On a terminal: a full-screen view refreshed every second. Keys: ↑↓ or j/k move (scroll in a detail view), Enter detail, Esc back, Tab switch pane, / filter by name, p pause, q or Ctrl-C quit.

Not on a terminal (or with --json): one snapshot as a table (or JSON), then exit 0.`
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> top', '<%= config.bin %> top --json | jq ".groups[] | {group, totalLag}"', '<%= config.bin %> top --interval 2000']
  static flags = {interval: Flags.integer({description: 'refresh interval in milliseconds', default: 1000, min: 100})}

  async run(): Promise<Snapshot | void> {
    const {flags} = await this.parse(Top)
    const source = await (await this.openBackend(flags)).statsSource()
    if (!process.stdout.isTTY || !process.stdin.isTTY || this.jsonEnabled()) {
      const snapshot = source.take()
      if (!this.jsonEnabled()) this.printSnapshot(snapshot, source.dir.startsWith('kafka://'))
      return snapshot
    }
    // ink draws nothing until exit when it believes it runs in CI (CI, CONTINUOUS_INTEGRATION or
    // CI_* set, read when ink is imported). Stdin and stdout are a terminal here, so someone is
    // watching: hide those variables from it.
    for (const name of Object.keys(process.env)) {
      if (name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_')) delete process.env[name]
    }
    // React's development build checks and times every render (half of top's CPU): a user runs
    // the production one. Read when react is first imported.
    process.env.NODE_ENV ??= 'production'
    // React and ink load only here, so every other command starts without them.
    const {runTop} = await import('../ui/top/run-top.js')
    const top = runTop(source, flags.interval)
    this.onInterrupt(() => top.stop())
    await top.done
  }

  private printSnapshot(snapshot: Snapshot, sizeUnknown: boolean): void {
    process.stdout.write(renderTable(['TOPIC', 'PARTITIONS', 'MESSAGES', 'SIZE'], snapshot.topics.map((t) => [t.name, t.partitions.length, t.messages, sizeUnknown ? '-' : formatBytes(t.sizeBytes)])))
    if (snapshot.groups.length > 0) {
      const assigned = (g: Snapshot['groups'][number]) => `${g.topics.reduce((n, t) => n + t.owned, 0)}/${g.topics.reduce((n, t) => n + t.partitions, 0)}`
      process.stdout.write('\n' + renderTable(['GROUP', 'STATE', 'MEMBERS', 'ASSIGNED', 'LAG'], snapshot.groups.map((g) => [g.group, g.state, g.members.length, assigned(g), g.totalLag])))
    }
  }
}
