/**
 * For the `strom serve` tests: a real server process on a free loopback port, the client tools
 * (kcat, kafka-python) when installed, and a bare-socket Kafka client for what the tools cannot do
 * (fuzzing, hundreds of connections).
 */
import {execa, type ResultPromise} from 'execa'
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {describe, it} from 'vitest'
import {BIN, waitFor} from '../helpers/strom.js'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
}

export interface ServeProcess {
  port: number
  bootstrap: string
  process: ResultPromise
  stderr(): string
  stop(signal?: NodeJS.Signals): Promise<{exitCode: number | undefined; stderr: string}>
}

/** `host`: the address to listen on (clients still connect through 127.0.0.1); `extra` may depend on the port. */
export async function startServe(dir: string, extra: string[] | ((port: number) => string[]) = [], options: {host?: string} = {}): Promise<ServeProcess> {
  const port = await freePort()
  const child = execa('node', [BIN, 'serve', '--listen', `${options.host ?? '127.0.0.1'}:${port}`, '--dir', dir, ...(typeof extra === 'function' ? extra(port) : extra)], {reject: false, env: {NO_COLOR: '1'}, buffer: false, stdin: 'ignore', forceKillAfterDelay: false})
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  child.stdout!.resume()
  await waitFor(() => stderr.includes('strom serve: listening on') || child.exitCode !== null, 15_000)
  if (!stderr.includes('strom serve: listening on')) throw new Error(`strom serve did not start:\n${stderr}`)
  return {
    port,
    bootstrap: `127.0.0.1:${port}`,
    process: child,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      child.kill(signal)
      const result = await child
      return {exitCode: result.exitCode, stderr}
    },
  }
}

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, {stdio: 'ignore', timeout: 10_000})
    return true
  } catch {
    return false
  }
}

export const HAS_KCAT = works('kcat', ['-V'])
/** Debian's python3-kafka installs for the system python; a pyenv python3 first on PATH does not see it. */
export const PYTHON = ['python3', '/usr/bin/python3'].find((python) => works(python, ['-c', 'import kafka'])) ?? ''
export const HAS_KAFKA_PYTHON = PYTHON !== ''
export const HAS_OPENSSL = works('openssl', ['version'])

/** CI installs every client (.ci/run), so there a missing one is a failure, never a silent skip. */
const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0'

export interface ClientTool {
  name: string
  available: boolean
  install: string
}

export const KCAT: ClientTool = {name: 'kcat', available: HAS_KCAT, install: 'apt-get install -y kcat'}
export const KAFKA_PYTHON: ClientTool = {name: 'kafka-python', available: HAS_KAFKA_PYTHON, install: 'apt-get install -y python3-kafka'}
export const OPENSSL: ClientTool = {name: 'openssl', available: HAS_OPENSSL, install: 'apt-get install -y openssl'}

/**
 * A suite that needs client tools: run when they are installed; skipped, loudly, on a local run
 * without them; failed in CI (process.env.CI), where their absence is a broken setup, not a choice.
 */
export function describeWithClients(title: string, tools: ClientTool[], body: () => void): void {
  const missing = tools.filter((tool) => !tool.available)
  if (missing.length === 0) {
    describe(title, body)
    return
  }
  const what = missing.map((tool) => `${tool.name} (${tool.install})`).join(', ')
  if (IN_CI) {
    describe(title, () => {
      it(`has its clients installed`, () => {
        throw new Error(`CI is set but ${what} is missing: these strom serve tests cannot run; .ci/run must install it`)
      })
    })
    return
  }
  console.warn(`\n!!! ${what} not installed: the strom serve suite '${title}' is SKIPPED (local run; in CI this fails) !!!\n`)
  describe.skip(title, body)
}

/** A throwaway self-signed certificate for localhost and 127.0.0.1, made by openssl in `dir`. */
export function selfSignedCert(dir: string, name = 'server'): {cert: string; key: string} {
  const cert = path.join(dir, `${name}-cert.pem`)
  const key = path.join(dir, `${name}-key.pem`)
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '2', '-keyout', key, '-out', cert], {stdio: 'ignore', timeout: 30_000})
  return {cert, key}
}

/** A users file as --sasl-users reads it, readable by its owner only. */
export function usersFile(dir: string, text: string): string {
  const file = path.join(dir, 'users.txt')
  fs.writeFileSync(file, text, {mode: 0o600})
  return file
}

export function python(script: string, env: Record<string, string> = {}, timeoutMs = 30_000) {
  return execa(PYTHON, ['-c', script], {reject: false, env, timeout: timeoutMs})
}

export async function kcat(args: string[], input?: string | Buffer, timeoutMs = 20_000): Promise<{exitCode: number | undefined; stdout: string; stderr: string}> {
  const result = await execa('kcat', args, {input, reject: false, timeout: timeoutMs, encoding: 'buffer', stripFinalNewline: false})
  return {exitCode: result.exitCode, stdout: Buffer.from(result.stdout).toString(), stderr: Buffer.from(result.stderr).toString()}
}

/** One request frame: size, api_key, api_version, correlation_id, client_id (classic header), body. */
export function requestFrame(apiKey: number, apiVersion: number, correlationId: number, body: Buffer, clientId = 'test'): Buffer {
  const id = Buffer.from(clientId)
  const header = Buffer.alloc(10 + id.length)
  header.writeInt16BE(apiKey, 0)
  header.writeInt16BE(apiVersion, 2)
  header.writeInt32BE(correlationId, 4)
  header.writeInt16BE(id.length, 8)
  id.copy(header, 10)
  const size = Buffer.alloc(4)
  size.writeInt32BE(header.length + body.length)
  return Buffer.concat([size, header, body])
}

/** A raw connection that reads size-prefixed response frames. */
export class RawClient {
  private buffered = Buffer.alloc(0)
  private waiters: Array<(frame: Buffer) => void> = []
  readonly closed: Promise<void>
  readonly socket: net.Socket

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1')
    this.socket.on('error', () => {})
    this.socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk])
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0)
        const frame = this.buffered.subarray(4, 4 + size)
        this.buffered = this.buffered.subarray(4 + size)
        this.waiters.shift()?.(frame)
      }
    })
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()))
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve())
      this.socket.once('error', reject)
    })
  }

  /** Sends a frame and resolves with the response frame (without its size), or rejects on close/timeout. */
  request(frame: Buffer, timeoutMs = 10_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response')), timeoutMs)
      this.waiters.push((response) => {
        clearTimeout(timer)
        resolve(response)
      })
      this.closed.then(() => reject(new Error('connection closed')))
      this.socket.write(frame)
    })
  }

  close(): void {
    this.socket.destroy()
  }
}
