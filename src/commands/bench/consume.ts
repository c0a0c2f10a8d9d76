import {Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {benchConsume, ConsumeBenchResult} from '../../bench/consume-bench.js'
import {formatRate} from '../../bench/stats.js'

export default class BenchConsume extends StromCommand {
  static summary = 'Measure read throughput of a topic, alone or as a group member (like kafka-consumer-perf-test).'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> bench consume --topic perf', '<%= config.bin %> bench consume --topic perf --group perf-readers --json']

  static flags = {
    topic: Flags.string({char: 't', description: 'topic to read', required: true}),
    group: Flags.string({char: 'G', description: 'read as a member of this group (its share of the partitions)'}),
  }

  async run(): Promise<ConsumeBenchResult> {
    const {flags} = await this.parse(BenchConsume)
    const log = this.openLog(flags)
    const result = await benchConsume(log, log.topic(flags.topic), flags.group)
    if (!this.jsonEnabled()) this.log(`${result.records} records in ${result.seconds}s: ${formatRate(result.recordsPerSecond)} records/s, ${result.mbPerSecond} MB/s`)
    return result
  }
}
