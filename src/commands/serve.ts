import {Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {StromError} from '../core/errors.js'

export default class Serve extends StromCommand {
  static summary = 'Serve the log directory over the Kafka protocol, for existing Kafka clients.'
  static description = `A single-node Kafka-compatible server: kcat, librdkafka, kafka-python and other clients produce, fetch, commit and join consumer groups, on the same files as every other strom command. Topics named by a client are created on first use (--no-auto-create to refuse). Kafka clients in a group share its partitions with \`strom consume --group\` members as one group. It listens on loopback unless told otherwise. --sasl-users requires SASL/PLAIN logins from a file of user:password lines; --tls-cert and --tls-key make it a TLS listener (with both: SASL_SSL). A non-loopback address without both prints a warning. SIGTERM or Ctrl-C stops it cleanly: requests in progress are answered first.`
  static examples = [
    {description: 'Serve the default directory on the Kafka port', command: '<%= config.bin %> serve'},
    {description: 'Then, from any Kafka client', command: 'kcat -b localhost:9092 -L'},
    {description: 'Another port and directory', command: '<%= config.bin %> serve --listen 127.0.0.1:19092 --dir /tmp/log'},
    {description: 'On the network, with logins and TLS (SASL_SSL), telling clients the name to reach it by', command: '<%= config.bin %> serve --listen 0.0.0.0:9093 --advertise broker.example.com:9093 --sasl-users users.txt --tls-cert cert.pem --tls-key key.pem'},
  ]

  static flags = {
    listen: Flags.string({description: 'address to listen on, HOST:PORT', default: '127.0.0.1:9092'}),
    advertise: Flags.string({description: 'HOST:PORT clients are told to connect to (Metadata, FindCoordinator), when it differs from --listen (NAT, containers, proxies); on 0.0.0.0 or :: without it: the hostname if it resolves beyond loopback, else the first non-loopback IPv4 address'}),
    'auto-create': Flags.boolean({description: 'create topics that clients name in metadata requests', default: true, allowNo: true}),
    partitions: Flags.integer({description: 'partitions of an auto-created topic', default: 1, min: 1}),
    sync: Flags.boolean({description: 'fdatasync every produced batch before acknowledging it'}),
    'group-initial-rebalance-delay-ms': Flags.integer({description: "how long the first member joining an empty consumer group waits for others to join in the same round; 300 by default (Kafka's group.initial.rebalance.delay.ms, 3000 by default in Kafka)", min: 0, helpValue: 'MS'}),
    'max-request-bytes': Flags.integer({description: 'largest request accepted (bigger ones close the connection before being read)', default: 100 * 1024 * 1024, min: 1024}),
    'max-pending-request-bytes': Flags.integer({description: 'memory all connections together may hold in requests being received or handled; a request that does not fit closes its connection', default: 256 * 1024 * 1024, min: 1024}),
    'sasl-users': Flags.string({description: "require SASL/PLAIN authentication against this file: one user:password per line, '#' comments", helpValue: 'FILE'}),
    'tls-cert': Flags.string({description: 'serve TLS with this PEM certificate (chain); needs --tls-key', helpValue: 'FILE'}),
    'tls-key': Flags.string({description: 'the PEM private key of --tls-cert', helpValue: 'FILE'}),
    quiet: Flags.boolean({char: 'q', description: 'no log lines on stderr except warnings'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Serve)
    const {startServer, parseListen} = await import('../server/listener.js')
    const {loadUsersFile} = await import('../server/auth/users-file.js')
    const {loadTlsCredentials} = await import('../server/tls-credentials.js')
    const {exposureWarning} = await import('../server/exposure.js')
    const {guessAdvertisedHost, isWildcard} = await import('../server/advertise.js')
    const listen = parseListen(flags.listen)
    const users = flags['sasl-users'] === undefined ? undefined : loadUsersFile(flags['sasl-users'])
    if ((flags['tls-cert'] === undefined) !== (flags['tls-key'] === undefined)) {
      throw new StromError('INVALID_ARGUMENT', `${flags['tls-cert'] === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key'}`, {hint: 'TLS takes both: --tls-cert cert.pem --tls-key key.pem'})
    }
    const tls = flags['tls-cert'] === undefined || flags['tls-key'] === undefined ? undefined : loadTlsCredentials(flags['tls-cert'], flags['tls-key'])
    if (flags['max-pending-request-bytes'] < flags['max-request-bytes']) {
      throw new StromError('INVALID_ARGUMENT', `--max-pending-request-bytes ${flags['max-pending-request-bytes']} is below --max-request-bytes ${flags['max-request-bytes']}: a request of the largest size allowed could never be read`, {hint: 'raise --max-pending-request-bytes or lower --max-request-bytes'})
    }
    const log = this.openLog(flags, {write: true})
    const say = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`)
    const guessed = flags.advertise === undefined && isWildcard(listen.host) ? await guessAdvertisedHost() : undefined
    const server = await startServer(log, listen, {
      advertise: flags.advertise === undefined ? guessed : parseListen(flags.advertise, '--advertise'),
      autoCreateTopics: flags['auto-create'],
      defaultPartitions: flags.partitions,
      sync: flags.sync,
      groupInitialRebalanceDelayMs: flags['group-initial-rebalance-delay-ms'],
      maxRequestBytes: flags['max-request-bytes'],
      maxPendingRequestBytes: flags['max-pending-request-bytes'],
      users,
      tls,
      log: flags.quiet ? () => {} : say,
    })
    const {looseSecretFileWarning} = await import('../server/auth/secret-file-mode.js')
    const warnings = [
      exposureWarning(listen.host, {sasl: users !== undefined, tls: tls !== undefined, dir: log.dir}),
      flags['sasl-users'] === undefined ? undefined : looseSecretFileWarning(flags['sasl-users'], '--sasl-users file'),
      flags['tls-key'] === undefined ? undefined : looseSecretFileWarning(flags['tls-key'], '--tls-key file'),
    ]
    for (const warning of warnings) if (warning !== undefined) process.stderr.write(`warning: ${warning}\n`)
    const security = users !== undefined ? (tls !== undefined ? 'SASL_SSL' : 'SASL_PLAINTEXT') : tls !== undefined ? 'SSL' : 'PLAINTEXT'
    if (guessed !== undefined) {
      // Said even with --quiet: a wrong guess sends every client elsewhere after bootstrap.
      process.stderr.write(`strom serve: advertising ${server.advertised.host}:${server.advertised.port} to clients (${guessed.source}); if they cannot reach that, pass --advertise HOST:PORT\n`)
    }
    say(`strom serve: listening on ${server.address.host}:${server.address.port}${server.advertised.host === server.address.host && server.advertised.port === server.address.port ? '' : `, advertised as ${server.advertised.host}:${server.advertised.port}`} (${security}${users === undefined ? '' : `, ${users.size} user${users.size === 1 ? '' : 's'}`}), log directory ${log.dir}`)
    await new Promise<void>((resolve) => {
      this.onInterrupt((signal) => {
        say(`strom serve: ${signal}, stopping (${server.connections()} connection(s) open)`)
        void server.close().then(resolve)
      })
    })
    say('strom serve: stopped')
  }
}
