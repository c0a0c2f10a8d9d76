import path from 'node:path'
import {Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {benchEndToEnd} from '../../bench/e2e-bench.js'
import {resolveTarget} from '../../backends/target.js'

export default class BenchE2e extends StromCommand {
  static summary = 'Measure end-to-end latency: produce stdin → consume -f stdout, in separate processes, at a fixed rate.'
  static description = 'On a log directory, or with --bootstrap-server on a Kafka cluster (or `strom serve`): both processes then speak Kafka to it.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> bench e2e --rate 1000 --seconds 10', '<%= config.bin %> bench e2e --rate 1000 --seconds 10 --bootstrap-server 127.0.0.1:9092 --acks 1']

  static flags = {
    topic: Flags.string({char: 't', description: 'topic to use (created if missing)', default: 'strom-bench-e2e'}),
    rate: Flags.integer({description: 'messages per second', default: 1000}),
    seconds: Flags.integer({description: 'how long to measure', default: 10}),
    acks: Flags.string({description: "on a Kafka cluster: the producer's acknowledgement (as `strom produce --acks`)", options: ['all', '-1', '1', '0']}),
  }

  async run(): Promise<Awaited<ReturnType<typeof benchEndToEnd>>> {
    const {flags} = await this.parse(BenchE2e)
    let target: string[]
    if (resolveTarget(flags).kind === 'dir') {
      const log = this.openLog(flags, {write: true})
      if (!log.topics.exists(flags.topic)) log.createTopic(flags.topic)
      target = ['--dir', log.dir]
    } else {
      const backend = await this.openBackend(flags, {write: true})
      if (!(await backend.topicExists(flags.topic))) await backend.createTopic(flags.topic, {partitions: 1, config: {}})
      // The children find the same cluster: by the same flag, else by the profile or the
      // environment (STROM_PROFILE, STROM_BOOTSTRAP_SERVERS) they inherit.
      target = flags['bootstrap-server'] !== undefined ? ['--bootstrap-server', flags['bootstrap-server']] : flags.profile !== undefined ? ['--profile', flags.profile] : []
    }
    const bin = path.join(this.config.root, 'bin', 'run.js')
    const produceFlags = flags.acks === undefined ? [] : ['--acks', flags.acks]
    const result = await benchEndToEnd({bin, target, produceFlags, topic: flags.topic, ratePerSecond: flags.rate, seconds: flags.seconds, warmupMessages: Math.min(100, flags.rate)})
    if (!this.jsonEnabled()) this.log(`${result.count} messages at ${result.ratePerSecond}/s: latency avg ${result.avgMs} ms, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, p99.9 ${result.p999Ms} ms, max ${result.maxMs} ms`)
    return result
  }
}
