import fs from 'node:fs'
import {Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {Progress} from '../../cli/progress.js'
import {renderTable} from '../../cli/table.js'
import {StromError} from '../../core/errors.js'
import {PlannedReset, ResetScope, ResetSpec, parseIsoDuration, parsePlanCsv, planToCsv} from '../../core/groups/offsets-reset.js'

export default class OffsetsReset extends StromCommand {
  static summary = "Move a consumer group's committed offsets (dry run unless --execute)."
  static description = `The modes of kafka-consumer-groups --reset-offsets, plus --to-group. Prints the plan (topic, partition, current, new); nothing changes without --execute. Refused while the group has live members. Offsets are clamped to each partition's range. Every executed reset is journaled: \`strom offsets undo --group G\` puts the previous offsets back.`
  static enableJsonFlag = true
  static examples = [
    '<%= config.bin %> offsets reset --group g --topic logs --to-earliest --execute',
    '<%= config.bin %> offsets reset --group g --topic logs:0,1 --shift-by=-100',
    '<%= config.bin %> offsets reset --group g --all-topics --to-datetime 2026-01-01T00:00:00Z --execute',
    '<%= config.bin %> offsets reset --group g --topic logs --by-duration PT1H --export > plan.csv',
    '<%= config.bin %> offsets reset --group g --from-file plan.csv --execute',
  ]

  static flags = {
    group: Flags.string({char: 'g', description: 'the group to reset', required: true}),
    topic: Flags.string({char: 't', description: 'scope: a topic, or topic:0,1,2 for some partitions (repeatable)', multiple: true}),
    'all-topics': Flags.boolean({description: 'scope: every partition the group has committed offsets for'}),
    'to-earliest': Flags.boolean({description: 'to the log start'}),
    'to-latest': Flags.boolean({description: 'to the log end'}),
    'to-current': Flags.boolean({description: 'to the committed offset (the end where none)'}),
    'to-offset': Flags.integer({description: 'to this offset'}),
    'shift-by': Flags.integer({description: 'move by ±N from the committed offset (--shift-by=-100)'}),
    'to-datetime': Flags.string({description: 'to the first message at or after this ISO time'}),
    'by-duration': Flags.string({description: 'to the first message at or after now minus PnDTnHnMnS'}),
    'from-file': Flags.string({description: 'to the offsets in a CSV plan (topic,partition,offset)'}),
    'to-group': Flags.string({description: "to another group's committed offsets"}),
    execute: Flags.boolean({description: 'apply the plan (default: only print it)'}),
    'dry-run': Flags.boolean({description: 'only print the plan (the default)'}),
    export: Flags.boolean({description: 'print the plan as CSV for --from-file'}),
  }

  async run(): Promise<{group: string; executed: boolean; plan: PlannedReset[]; journal?: string}> {
    const {flags} = await this.parse(OffsetsReset)
    const spec = this.spec(flags)
    const scope: ResetScope = {allTopics: flags['all-topics'], topics: flags.topic?.map(parseTopicScope)}
    if (scope.topics === undefined && !scope.allTopics && spec.mode !== 'from-file') {
      throw new StromError('INVALID_ARGUMENT', 'no scope given', {hint: 'add --topic T (or T:0,1,2) or --all-topics'})
    }
    if (flags.execute && flags['dry-run']) throw new StromError('INVALID_ARGUMENT', '--execute and --dry-run contradict each other')
    const backend = await this.openBackend(flags)
    // Resolving offsets (by time, especially) touches every partition: show progress on a terminal.
    let progress: Progress | undefined
    const plan = await backend.planOffsetsReset(flags.group, spec, scope, (done, total) => {
      progress ??= new Progress(flags.execute ? 'reset' : 'plan', total > 50 ? total : 0, 'partitions')
      progress.advance(1)
    })
    progress?.finish()
    let journal: string | undefined
    if (flags.execute) journal = await backend.executeOffsetsReset(flags.group, plan, describeSpec(flags))
    if (!this.jsonEnabled()) {
      if (flags.export) process.stdout.write(planToCsv(plan))
      else {
        process.stdout.write(renderTable(['TOPIC', 'PARTITION', 'CURRENT', 'NEW', 'NOTE'], plan.map((p) => [p.topic, p.partition, p.current ?? '-', p.target, p.note ?? ''])))
        process.stderr.write(flags.execute ? `reset ${plan.length} offsets of group ${flags.group} (undo with \`strom offsets undo --group ${flags.group}\`)\n` : 'dry run: nothing changed (add --execute to apply)\n')
      }
    }
    return {group: flags.group, executed: flags.execute, plan, journal}
  }

  private spec(flags: Record<string, unknown>): ResetSpec {
    const chosen = ['to-earliest', 'to-latest', 'to-current', 'to-offset', 'shift-by', 'to-datetime', 'by-duration', 'from-file', 'to-group'].filter((k) => flags[k] !== undefined && flags[k] !== false)
    if (chosen.length !== 1) {
      throw new StromError('INVALID_ARGUMENT', chosen.length === 0 ? 'no reset mode given' : `choose one reset mode, not ${chosen.map((c) => `--${c}`).join(' and ')}`, {
        hint: 'one of --to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N, --to-datetime ISO, --by-duration PnDTnHnMnS, --from-file CSV, --to-group G',
      })
    }
    switch (chosen[0]) {
      case 'to-earliest':
        return {mode: 'to-earliest'}
      case 'to-latest':
        return {mode: 'to-latest'}
      case 'to-current':
        return {mode: 'to-current'}
      case 'to-offset':
        return {mode: 'to-offset', offset: flags['to-offset'] as number}
      case 'shift-by':
        return {mode: 'shift-by', shift: flags['shift-by'] as number}
      case 'to-datetime': {
        const text = flags['to-datetime'] as string
        const timestamp = Date.parse(text)
        if (Number.isNaN(timestamp)) throw new StromError('INVALID_ARGUMENT', `invalid --to-datetime '${text}'`, {hint: 'use an ISO time such as 2026-01-01T10:00:00Z'})
        return {mode: 'to-datetime', timestamp}
      }
      case 'by-duration':
        return {mode: 'to-datetime', timestamp: Date.now() - parseIsoDuration(flags['by-duration'] as string)}
      case 'from-file': {
        const file = flags['from-file'] as string
        let text: string
        try {
          text = fs.readFileSync(file === '-' ? 0 : file, 'utf8')
        } catch (error) {
          throw new StromError('INVALID_ARGUMENT', `cannot read ${file}: ${(error as Error).message}`)
        }
        return {mode: 'from-file', offsets: parsePlanCsv(text, file)}
      }
      default:
        return {mode: 'to-group', group: flags['to-group'] as string}
    }
  }
}

function parseTopicScope(text: string): {topic: string; partitions?: number[]} {
  const at = text.indexOf(':')
  if (at < 0) return {topic: text}
  const list = text.slice(at + 1)
  if (!/^\d+(,\d+)*$/.test(list)) throw new StromError('INVALID_ARGUMENT', `invalid --topic '${text}'`, {hint: 'use TOPIC or TOPIC:0,1,2'})
  return {topic: text.slice(0, at), partitions: list.split(',').map(Number)}
}

function describeSpec(flags: Record<string, unknown>): string {
  return Object.entries(flags)
    .filter(([k, v]) => v !== undefined && v !== false && !['dir', 'bootstrap-server', 'profile', 'json', 'execute', 'export'].includes(k))
    .map(([k, v]) => (v === true ? `--${k}` : `--${k} ${Array.isArray(v) ? v.join(',') : v}`))
    .join(' ')
}
