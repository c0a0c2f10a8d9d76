/**
 * Which backend a command speaks to, and how to reach it. The order, first match wins:
 *   --bootstrap-server H:P[,H:P]   a Kafka cluster
 *   --dir PATH                     a log directory
 *   --profile NAME                 a named profile from the config file (STROM_PROFILE likewise)
 *   STROM_BOOTSTRAP_SERVERS        a Kafka cluster
 *   STROM_DIR, else the XDG data directory
 * The config file is $STROM_CONFIG, else $XDG_CONFIG_HOME/strom/config.json
 * (~/.config/strom/config.json): {"profiles": {"prod": {"bootstrapServers": "k1:9092,k2:9092",
 * "sasl": {...}, "tls": {...}}, "local": {"dir": "/data/strom"}}}.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {StromError} from '../core/errors.js'

export interface SaslSettings {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'
  username: string
  password: string
}

export interface TlsSettings {
  /** PEM files. */
  ca?: string
  cert?: string
  key?: string
  /** Default true: the broker's certificate must be valid. */
  rejectUnauthorized?: boolean
}

export type BackendTarget =
  | {kind: 'dir'; dir: string | undefined}
  | {kind: 'kafka'; brokers: string[]; sasl?: SaslSettings; tls?: TlsSettings | true; clientId?: string}

export interface TargetFlags {
  dir?: string
  'bootstrap-server'?: string
  profile?: string
}

export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env): BackendTarget {
  const bootstrap = flags['bootstrap-server']
  if (bootstrap !== undefined && flags.dir !== undefined) {
    throw new StromError('INVALID_ARGUMENT', '--dir and --bootstrap-server name two different backends', {hint: 'give one: --dir PATH for a log directory, --bootstrap-server HOST:PORT for Kafka'})
  }
  if (bootstrap !== undefined) return {kind: 'kafka', brokers: parseBrokers(bootstrap, '--bootstrap-server')}
  if (flags.dir !== undefined) return {kind: 'dir', dir: flags.dir}
  const profile = flags.profile ?? (env.STROM_PROFILE || undefined)
  if (profile !== undefined) return readProfile(profile, env)
  if (env.STROM_BOOTSTRAP_SERVERS) return {kind: 'kafka', brokers: parseBrokers(env.STROM_BOOTSTRAP_SERVERS, 'STROM_BOOTSTRAP_SERVERS')}
  return {kind: 'dir', dir: undefined}
}

/** `dir:PATH`, `kafka://host:port[,host:port]`, or a profile name: mirror's SRC and DST. */
export function parseEndpoint(text: string, env: NodeJS.ProcessEnv = process.env): BackendTarget {
  if (text.startsWith('dir:')) {
    const dir = text.slice(4)
    if (dir === '') throw new StromError('INVALID_ARGUMENT', `'${text}' names no directory`, {hint: 'write dir:PATH, e.g. dir:./logs'})
    return {kind: 'dir', dir}
  }
  if (text.startsWith('kafka://')) return {kind: 'kafka', brokers: parseBrokers(text.slice('kafka://'.length).replace(/\/+$/, ''), text)}
  if (/^[A-Za-z0-9_.-]+$/.test(text) && profileFile(env) !== undefined && fs.existsSync(profileFile(env)!)) return readProfile(text, env)
  throw new StromError('INVALID_ARGUMENT', `cannot tell what '${text}' is`, {hint: 'write dir:PATH for a log directory, kafka://HOST:PORT[,HOST:PORT] for a Kafka cluster, or a profile name from the config file'})
}

export function describeTarget(target: BackendTarget): string {
  return target.kind === 'dir' ? `dir:${target.dir ?? '(default)'}` : `kafka://${target.brokers.join(',')}`
}

export function parseBrokers(text: string, where: string): string[] {
  const brokers = text.split(',').map((b) => b.trim()).filter((b) => b !== '')
  if (brokers.length === 0) throw new StromError('INVALID_ARGUMENT', `${where} names no broker`, {hint: 'give HOST:PORT[,HOST:PORT...], e.g. localhost:9092'})
  for (const broker of brokers) {
    const match = /^(\[[0-9a-fA-F:]+\]|[^:\s/]+):(\d{1,5})$/.exec(broker)
    if (match === null || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw new StromError('INVALID_ARGUMENT', `invalid broker address '${broker}' in ${where}`, {hint: 'give HOST:PORT, e.g. localhost:9092'})
    }
  }
  return brokers
}

function profileFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.STROM_CONFIG) return env.STROM_CONFIG
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config')
  return path.join(configHome, 'strom', 'config.json')
}

function readProfile(name: string, env: NodeJS.ProcessEnv): BackendTarget {
  const file = profileFile(env)!
  let parsed: unknown
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message
    throw new StromError('INVALID_CONFIG', `cannot read profile '${name}' from ${file}: ${reason}`, {hint: 'write {"profiles": {"NAME": {"bootstrapServers": "host:9092"}}} there, or set STROM_CONFIG'})
  }
  const profiles = (parsed as {profiles?: Record<string, unknown>})?.profiles
  const profile = profiles?.[name] as Record<string, unknown> | undefined
  if (profile === undefined || typeof profile !== 'object' || profile === null) {
    const known = profiles !== undefined && typeof profiles === 'object' ? Object.keys(profiles) : []
    throw new StromError('INVALID_CONFIG', `no profile '${name}' in ${file}`, {hint: known.length > 0 ? `known profiles: ${known.join(', ')}` : 'add it under "profiles"'})
  }
  const where = `profile '${name}' in ${file}`
  if (typeof profile.dir === 'string') return {kind: 'dir', dir: profile.dir}
  if (typeof profile.bootstrapServers !== 'string') {
    throw new StromError('INVALID_CONFIG', `${where} has neither "bootstrapServers" nor "dir"`, {hint: 'give "bootstrapServers": "host:9092" or "dir": "/path"'})
  }
  return {
    kind: 'kafka',
    brokers: parseBrokers(profile.bootstrapServers, where),
    sasl: profile.sasl === undefined ? undefined : parseSasl(profile.sasl, where),
    tls: profile.tls === undefined ? undefined : parseTls(profile.tls, where),
    clientId: typeof profile.clientId === 'string' ? profile.clientId : undefined,
  }
}

function parseSasl(value: unknown, where: string): SaslSettings {
  const sasl = value as Record<string, unknown>
  const mechanism = String(sasl?.mechanism ?? 'plain').toLowerCase()
  if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
    throw new StromError('INVALID_CONFIG', `${where}: unsupported SASL mechanism '${mechanism}'`, {hint: 'use plain, scram-sha-256 or scram-sha-512'})
  }
  if (typeof sasl.username !== 'string' || typeof sasl.password !== 'string') {
    throw new StromError('INVALID_CONFIG', `${where}: "sasl" needs "username" and "password"`)
  }
  return {mechanism, username: sasl.username, password: sasl.password}
}

function parseTls(value: unknown, where: string): TlsSettings | true {
  if (value === true) return true
  if (typeof value !== 'object' || value === null) throw new StromError('INVALID_CONFIG', `${where}: "tls" must be true or an object {ca, cert, key, rejectUnauthorized}`)
  const tls = value as Record<string, unknown>
  for (const key of ['ca', 'cert', 'key'] as const) {
    if (tls[key] !== undefined && typeof tls[key] !== 'string') throw new StromError('INVALID_CONFIG', `${where}: "tls.${key}" must be a file path`)
  }
  return {ca: tls.ca as string | undefined, cert: tls.cert as string | undefined, key: tls.key as string | undefined, rejectUnauthorized: tls.rejectUnauthorized !== false}
}
