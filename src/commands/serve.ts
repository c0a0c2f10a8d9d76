import {Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'

export default class Serve extends StromCommand {
  static summary = 'Serve the log directory over the Kafka protocol, for existing Kafka clients.'
  static description = `A single-node Kafka-compatible server: kcat, librdkafka, kafka-python and other clients produce, fetch, commit and join consumer groups, on the same files as every other strom command. Topics named by a client are created on first use (--no-auto-create to refuse). Kafka clients in a group share its partitions with \`strom consume --group\` members as one group. It listens on loopback unless told otherwise; a non-loopback address has no authentication, so a warning is printed. SIGTERM or Ctrl-C stops it cleanly: requests in progress are answered first.`
  static examples = [
    {description: 'Serve the default directory on the Kafka port', command: '<%= config.bin %> serve'},
    {description: 'Then, from any Kafka client', command: 'kcat -b localhost:9092 -L'},
    {description: 'Another port and directory', command: '<%= config.bin %> serve --listen 127.0.0.1:19092 --dir /tmp/log'},
  ]

  static flags = {
    listen: Flags.string({description: 'address to listen on, HOST:PORT', default: '127.0.0.1:9092'}),
    advertise: Flags.string({description: 'HOST:PORT clients are told to connect to, when it differs from --listen (NAT, containers, proxies)'}),
    'auto-create': Flags.boolean({description: 'create topics that clients name in metadata requests', default: true, allowNo: true}),
    partitions: Flags.integer({description: 'partitions of an auto-created topic', default: 1, min: 1}),
    sync: Flags.boolean({description: 'fdatasync every produced batch before acknowledging it'}),
    'max-request-bytes': Flags.integer({description: 'largest request accepted (bigger ones close the connection before being read)', default: 100 * 1024 * 1024, min: 1024}),
    quiet: Flags.boolean({char: 'q', description: 'no log lines on stderr except warnings'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Serve)
    const {startServer, parseListen, isLoopback} = await import('../server/listener.js')
    const listen = parseListen(flags.listen)
    const log = this.openLog(flags)
    const say = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`)
    const server = await startServer(log, listen, {
      advertise: flags.advertise === undefined ? undefined : parseListen(flags.advertise),
      autoCreateTopics: flags['auto-create'],
      defaultPartitions: flags.partitions,
      sync: flags.sync,
      maxRequestBytes: flags['max-request-bytes'],
      log: flags.quiet ? () => {} : say,
    })
    if (!isLoopback(listen.host)) {
      process.stderr.write(`warning: listening on ${listen.host}, not loopback: anyone who can reach this port can read and write ${log.dir} (there is no authentication)\n`)
    }
    say(`strom serve: listening on ${server.address.host}:${server.address.port}, log directory ${log.dir}`)
    await new Promise<void>((resolve) => {
      this.onInterrupt((signal) => {
        say(`strom serve: ${signal}, stopping (${server.connections()} connection(s) open)`)
        void server.close().then(resolve)
      })
    })
    say('strom serve: stopped')
  }
}
