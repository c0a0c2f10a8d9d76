import {Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {Progress} from '../../cli/progress.js'
import {benchProduce, ProduceBenchResult} from '../../bench/produce-bench.js'
import {formatRate} from '../../bench/stats.js'

export default class BenchProduce extends StromCommand {
  static summary = 'Measure append throughput and per-batch latency (like kafka-producer-perf-test).'
  static enableJsonFlag = true
  static examples = [
    '<%= config.bin %> bench produce --topic perf --records 1000000 --record-size 100 --partitions 4',
    '<%= config.bin %> bench produce --topic perf --records 200000 --record-size 100 --keys 1000 --sync --json',
  ]

  static flags = {
    topic: Flags.string({char: 't', description: 'topic to write (created if missing)', required: true}),
    records: Flags.integer({char: 'n', description: 'records to send', default: 1_000_000}),
    'record-size': Flags.integer({char: 's', description: 'value size in bytes', default: 100}),
    keys: Flags.integer({description: 'spread records over this many keys (0: unkeyed)', default: 0}),
    partitions: Flags.integer({char: 'p', description: 'partitions for a new topic', default: 1}),
    throughput: Flags.integer({description: 'records per second to aim for (0: as fast as possible)', default: 0}),
    sync: Flags.boolean({description: 'fsync every batch'}),
  }

  async run(): Promise<ProduceBenchResult> {
    const {flags} = await this.parse(BenchProduce)
    const log = this.openLog(flags, {write: true})
    const topic = log.openOrCreateTopic(flags.topic, {partitions: flags.partitions})
    const progress = new Progress('bench produce', flags.records, 'rec')
    let last = 0
    const result = await benchProduce(topic, {
      records: flags.records,
      recordSize: flags['record-size'],
      keys: flags.keys,
      throughputPerSecond: flags.throughput,
      sync: flags.sync,
      onProgress: (done) => {
        progress.advance(done - last)
        last = done
      },
    })
    progress.finish()
    if (!this.jsonEnabled()) {
      const l = result.batchLatency
      this.log(`${result.records} records in ${result.seconds}s: ${formatRate(result.recordsPerSecond)} records/s, ${result.mbPerSecond} MB/s; ${result.batches} batches, append latency avg ${l.avgMs} ms, p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms`)
    }
    return result
  }
}
