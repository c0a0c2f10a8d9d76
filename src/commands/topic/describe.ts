import {Args} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {formatBytes, renderTable} from '../../cli/table.js'
import type {TopicDescription} from '../../backends/backend.js'
import type {MaintenanceRecord} from '../../core/maintenance/maintain.js'

export default class TopicDescribe extends StromCommand {
  static summary = 'Show a topic: partitions with start/end offsets, sizes and segments (leaders and replicas on Kafka), and its config.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> topic describe logs', '<%= config.bin %> topic describe logs --json | jq ".partitions[].endOffset"']
  static args = {name: Args.string({ignoreStdin: true, description: 'topic name', required: true})}

  async run(): Promise<TopicDescription> {
    const {args, flags} = await this.parse(TopicDescribe)
    const backend = await this.openBackend(flags)
    const d = await backend.describeTopic(args.name)
    if (!this.jsonEnabled()) {
      const count = d.partitions.length
      process.stdout.write(`topic ${d.topic}: ${count} partition${count === 1 ? '' : 's'}${backend.kind === 'kafka' ? `, replication factor ${d.replicationFactor}` : ''}\n`)
      if (backend.kind === 'kafka') {
        process.stdout.write(renderTable(['PARTITION', 'START', 'END', 'MESSAGES', 'LEADER', 'REPLICAS', 'ISR'],
          d.partitions.map((p) => [p.partition, p.logStartOffset, p.endOffset, p.endOffset - p.logStartOffset, p.leader ?? '-', p.replicas?.join(',') ?? '-', p.isr?.join(',') ?? '-'])))
      } else {
        process.stdout.write(renderTable(['PARTITION', 'START', 'END', 'MESSAGES', 'SIZE', 'SEGMENTS'],
          d.partitions.map((p) => [p.partition, p.logStartOffset, p.endOffset, p.endOffset - p.logStartOffset, p.sizeBytes === null ? '-' : formatBytes(p.sizeBytes), p.segments ?? '-'])))
      }
      if (d.holds.length > 0) {
        const groups = d.config.find((c) => c.name === 'retention.hold.groups')?.value ?? ''
        process.stdout.write(`\nretention holds (retention.hold.groups=${groups}):\n`)
        process.stdout.write(renderTable(['PARTITION', 'GROUP', 'COMMITTED', 'HELD SEGMENTS', 'HELD SIZE'], d.holds.flatMap((h) => h.groups.map((g) => [h.partition, g.group, g.committed ?? '-', h.heldSegments, formatBytes(h.heldBytes)]))))
      }
      for (const m of d.maintenance ?? []) process.stdout.write(`${describeMaintenance(m)}\n`)
      process.stdout.write('\n' + renderTable(['CONFIG', 'VALUE', 'SOURCE'], d.config.map((c) => [c.name, c.value, c.source])))
    }
    return d
  }
}

/** One line: when retention/compaction last ran on a partition and what it did. */
export function describeMaintenance(m: {partition: number} & MaintenanceRecord): string {
  const did: string[] = []
  if (m.retention !== undefined) {
    did.push(m.retention.deletedSegments > 0 ? `deleted ${m.retention.deletedSegments} segment(s), ${formatBytes(m.retention.deletedBytes)}` : 'nothing past retention')
    if (m.retention.heldSegments > 0) did.push(`${m.retention.heldSegments} segment(s) held`)
  }
  if (m.compaction !== undefined) {
    const c = m.compaction
    did.push(c.compacted ? `compacted ${c.segmentsBefore} segment(s) -> ${c.segmentsAfter}, ${c.recordsIn} records -> ${c.recordsOut}` : `not compacted (${c.skipped ?? 'nothing to do'})`)
  }
  if (m.error !== undefined) did.push(`failed: ${m.error}`)
  const by = m.trigger === 'roll' ? 'after a segment roll' : 'by log clean'
  return `maintenance of partition ${m.partition}: last ran ${m.at} ${by} (${m.durationMs} ms): ${did.join('; ') || 'nothing to do'}`
}
