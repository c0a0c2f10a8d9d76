/**
 * `strom serve`: a TCP listener speaking the Kafka protocol over a log directory. Loopback by
 * default. Shutdown stops accepting, lets each connection finish the request it is handling (an
 * in-flight produce is appended and acknowledged; long polls return at once), hands Kafka
 * members' partitions back to their groups, then closes.
 *
 * With TLS credentials the listener is a node:tls server and each connection starts once its
 * handshake succeeded; a failed handshake (a plaintext client, an untrusted certificate) is a
 * log line.
 */
import net from 'node:net'
import tls from 'node:tls'
import type {Log} from '../core/log.js'
import {StromError} from '../core/errors.js'
import {Connection} from './connection.js'
import {ServerContext, ServerOptions} from './context.js'
import {GroupCoordinator} from './group-coordinator.js'
import type {TlsCredentials} from './tls-credentials.js'

export interface ListenAddress {
  host: string
  port: number
}

export interface RunningServer {
  address: ListenAddress
  /** What Metadata, FindCoordinator and DescribeCluster tell clients to connect to. */
  advertised: ListenAddress
  connections(): number
  close(): Promise<void>
}

const SHUTDOWN_GRACE_MS = 5000

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}

/** Parses `HOST:PORT`, `:PORT`, `PORT` or `[v6]:PORT`. */
export function parseListen(value: string, flag = '--listen'): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value)
  const port = match === null ? NaN : Number(match[3])
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StromError('INVALID_ARGUMENT', `invalid ${flag} '${value}': expected HOST:PORT`, {hint: flag === '--listen' ? 'e.g. --listen 127.0.0.1:9092 (or 0.0.0.0:9092 for every interface)' : `e.g. ${flag} broker.example.com:9092`})
  }
  return {host: match[1] || match[2] || '127.0.0.1', port}
}

/** advertise: the host (and port, when not the bound one) clients are told to connect to; default the listen host. */
export async function startServer(log: Log, listen: ListenAddress, options: Omit<ServerOptions, 'advertisedHost' | 'advertisedPort'> & {advertise?: {host: string; port?: number}; tls?: TlsCredentials}): Promise<RunningServer> {
  const server = options.tls === undefined ? net.createServer({noDelay: true}) : tls.createServer({noDelay: true, cert: options.tls.cert, key: options.tls.key})
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the address is in use (another strom serve or a Kafka broker?)' : error.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : error.message
      reject(new StromError('IO_ERROR', `cannot listen on ${listen.host}:${listen.port}: ${why}`, {hint: 'pick another port with --listen HOST:PORT'}))
    })
    server.listen(listen.port, listen.host, () => resolve())
  })
  const bound = server.address() as net.AddressInfo
  const ctx = new ServerContext(log, {...options, advertisedHost: options.advertise?.host ?? listen.host, advertisedPort: options.advertise?.port ?? bound.port})
  ctx.groups = new GroupCoordinator(log, ctx.options.log, ctx.options.groupInitialRebalanceDelayMs)
  const open = new Set<Connection>()
  const accept = (socket: net.Socket): void => {
    open.add(new Connection(ctx, socket, (c) => open.delete(c)))
  }
  if (options.tls === undefined) server.on('connection', accept)
  else {
    server.on('secureConnection', accept)
    server.on('tlsClientError', (error: Error & {reason?: string}, socket: tls.TLSSocket) => {
      // OpenSSL's full message is a multi-line dump; its reason ("wrong version number": a plaintext client) says enough.
      ctx.options.log(`TLS handshake with ${socket.remoteAddress ?? 'a client'} failed: ${error.reason ?? error.message.trim()}`)
    })
  }
  server.on('error', (error) => ctx.options.log(`listener error: ${error.message}`))

  let closing: Promise<void> | undefined
  return {
    address: {host: listen.host, port: bound.port},
    advertised: {host: ctx.options.advertisedHost, port: ctx.options.advertisedPort},
    connections: () => open.size,
    close() {
      closing ??= (async () => {
        server.close()
        for (const connection of open) connection.shutdown()
        const deadline = Date.now() + SHUTDOWN_GRACE_MS
        while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
        // A client that never closes its side would keep the process alive: past the grace, drop it.
        for (const connection of open) connection.destroy()
        ctx.groups.close()
        ctx.close()
      })()
      return closing
    },
  }
}
