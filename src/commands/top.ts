import {Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {formatBytes, renderTable} from '../cli/table.js'
import type {Snapshot} from '../core/stats/snapshot.js'

export default class Top extends StromCommand {
  static summary = 'Live dashboard of the log directory: topics with rates, groups with lag.'
  static description = `On a terminal: a full-screen view refreshed every second. Keys: ↑↓ or j/k move, Enter detail, Esc back, Tab switch pane, / filter by name, p pause, q or Ctrl-C quit. Not on a terminal: one snapshot as a table (or --json), then exit.`
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> top', '<%= config.bin %> top --json | jq ".groups[] | {group, totalLag}"', '<%= config.bin %> top --interval 2000']
  static flags = {interval: Flags.integer({description: 'refresh interval in milliseconds', default: 1000})}

  async run(): Promise<Snapshot | void> {
    const {flags} = await this.parse(Top)
    const log = this.openLog(flags.dir)
    const {SnapshotSource} = await import('../core/stats/snapshot.js')
    const source = new SnapshotSource(log)
    if (!process.stdout.isTTY || !process.stdin.isTTY || this.jsonEnabled()) {
      const snapshot = source.take()
      if (!this.jsonEnabled()) this.printSnapshot(snapshot)
      return snapshot
    }
    // ink renders nothing until exit when it thinks it runs in CI (CI, CONTINUOUS_INTEGRATION or
    // CI_* set, read when ink is imported). Both stdin and stdout are a terminal here, so a person
    // is watching: hide those variables from ink.
    for (const name of Object.keys(process.env)) {
      if (name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_')) delete process.env[name]
    }
    // React and ink load only here, so every other command starts without them.
    const [{render}, React, {TopApp}, {tailTopic}] = await Promise.all([import('ink'), import('react'), import('../ui/top/TopApp.js'), import('../core/stats/tail.js')])
    const tail = (name: string) => {
      try {
        return tailTopic(log.topic(name), 20)
      } catch {
        return []
      }
    }
    const app = render(React.createElement(TopApp, {source, tail, intervalMs: flags.interval}), {exitOnCtrlC: false})
    await app.waitUntilExit()
  }

  private printSnapshot(snapshot: Snapshot): void {
    process.stdout.write(renderTable(['TOPIC', 'PARTITIONS', 'MESSAGES', 'SIZE'], snapshot.topics.map((t) => [t.name, t.partitions.length, t.messages, formatBytes(t.sizeBytes)])))
    if (snapshot.groups.length > 0) {
      process.stdout.write('\n' + renderTable(['GROUP', 'STATE', 'MEMBERS', 'LAG'], snapshot.groups.map((g) => [g.group, g.state, g.members, g.totalLag])))
    }
  }
}
