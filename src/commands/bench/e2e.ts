import path from 'node:path'
import {Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {benchEndToEnd} from '../../bench/e2e-bench.js'

export default class BenchE2e extends StromCommand {
  static summary = 'Measure end-to-end latency: produce stdin → consume -f stdout, in separate processes, at a fixed rate.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> bench e2e --rate 1000 --seconds 10']

  static flags = {
    topic: Flags.string({char: 't', description: 'topic to use (created if missing)', default: 'strom-bench-e2e'}),
    rate: Flags.integer({description: 'messages per second', default: 1000}),
    seconds: Flags.integer({description: 'how long to measure', default: 10}),
  }

  async run(): Promise<Awaited<ReturnType<typeof benchEndToEnd>>> {
    const {flags} = await this.parse(BenchE2e)
    const log = this.openLog(flags, {write: true})
    if (!log.topics.exists(flags.topic)) log.createTopic(flags.topic)
    const bin = path.join(this.config.root, 'bin', 'run.js')
    const result = await benchEndToEnd({bin, dir: log.dir, topic: flags.topic, ratePerSecond: flags.rate, seconds: flags.seconds, warmupMessages: Math.min(100, flags.rate)})
    if (!this.jsonEnabled()) this.log(`${result.count} messages at ${result.ratePerSecond}/s: latency avg ${result.avgMs} ms, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`)
    return result
  }
}
