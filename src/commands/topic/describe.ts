import {Args} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {formatBytes, renderTable} from '../../cli/table.js'
import {describeConfig} from '../../core/config.js'
import type {PartitionInfo} from '../../core/log.js'
import {partitionRefs} from '../../core/maintenance/partition-ref.js'
import {previewRetention} from '../../core/maintenance/retention.js'

interface HoldInfo {
  partition: number
  groups: Array<{group: string; committed: number | null}>
  /** Segments retention would delete now but the hold keeps. */
  heldSegments: number
  heldBytes: number
}

export default class TopicDescribe extends StromCommand {
  static summary = 'Show a topic: partitions with start/end offsets, sizes and segments, and its config.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> topic describe logs', '<%= config.bin %> topic describe logs --json | jq ".partitions[].endOffset"']
  static args = {name: Args.string({ignoreStdin: true, description: 'topic name', required: true})}

  async run(): Promise<{topic: string; partitions: PartitionInfo[]; config: Array<{name: string; value: string; source: string}>; holds: HoldInfo[]}> {
    const {args, flags} = await this.parse(TopicDescribe)
    const log = this.openLog(flags.dir)
    const topic = log.topic(args.name)
    const partitions = [...Array(topic.partitions).keys()].map((p) => topic.describePartition(p))
    const config = describeConfig(topic.meta.config)
    // Retention holds: what the groups in retention.hold.groups keep that retention would delete.
    const holds: HoldInfo[] = topic.config.retentionHoldGroups === '' ? [] : partitionRefs(topic).map((ref) => {
      const plan = previewRetention(ref)
      return {partition: ref.partition, groups: plan.holds.groups, heldSegments: plan.held.length, heldBytes: plan.held.reduce((n, s) => n + s.sizeBytes, 0)}
    })
    if (!this.jsonEnabled()) {
      process.stdout.write(`topic ${topic.name}: ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}\n`)
      process.stdout.write(renderTable(['PARTITION', 'START', 'END', 'MESSAGES', 'SIZE', 'SEGMENTS'],
        partitions.map((p) => [p.partition, p.logStartOffset, p.endOffset, p.endOffset - p.logStartOffset, formatBytes(p.sizeBytes), p.segments])))
      if (holds.length > 0) {
        process.stdout.write(`\nretention holds (retention.hold.groups=${topic.config.retentionHoldGroups}):\n`)
        process.stdout.write(renderTable(['PARTITION', 'GROUP', 'COMMITTED', 'HELD SEGMENTS', 'HELD SIZE'], holds.flatMap((h) => h.groups.map((g) => [h.partition, g.group, g.committed ?? '-', h.heldSegments, formatBytes(h.heldBytes)]))))
      }
      process.stdout.write('\n' + renderTable(['CONFIG', 'VALUE', 'SOURCE'], config.map((c) => [c.name, c.value, c.source])))
    }
    return {topic: topic.name, partitions, config, holds}
  }
}
