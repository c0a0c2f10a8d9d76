import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseBrokers, parseEndpoint, resolveTarget} from '../../../src/backends/target.js'
import {StromError} from '../../../src/core/errors.js'

function configFile(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'strom-config-')), 'config.json')
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

const errorOf = (fn: () => unknown): StromError => {
  try {
    fn()
  } catch (error) {
    return error as StromError
  }
  throw new Error('expected an error')
}

describe('choosing a backend', () => {
  it('flags first, then a profile, then the environment, then the default directory', () => {
    expect(resolveTarget({'bootstrap-server': 'a:1,b:2'}, {})).toEqual({kind: 'kafka', brokers: ['a:1', 'b:2']})
    expect(resolveTarget({dir: '/x'}, {STROM_BOOTSTRAP_SERVERS: 'k:9092'})).toEqual({kind: 'dir', dir: '/x'})
    expect(resolveTarget({}, {STROM_BOOTSTRAP_SERVERS: 'k:9092'})).toEqual({kind: 'kafka', brokers: ['k:9092']})
    expect(resolveTarget({}, {})).toEqual({kind: 'dir', dir: undefined})
    const file = configFile({profiles: {prod: {bootstrapServers: 'p1:9093', sasl: {mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p'}, tls: {ca: '/ca.pem'}}, local: {dir: '/data'}}})
    expect(resolveTarget({profile: 'prod'}, {STROM_CONFIG: file})).toEqual({
      kind: 'kafka', brokers: ['p1:9093'], sasl: {mechanism: 'scram-sha-512', username: 'u', password: 'p'}, tls: {ca: '/ca.pem', cert: undefined, key: undefined, rejectUnauthorized: true}, clientId: undefined,
    })
    expect(resolveTarget({}, {STROM_CONFIG: file, STROM_PROFILE: 'local', STROM_BOOTSTRAP_SERVERS: 'k:1'})).toEqual({kind: 'dir', dir: '/data'})
  })

  it('refuses two backends at once, bad addresses and bad profiles with a usage error', () => {
    expect(errorOf(() => resolveTarget({dir: '/x', 'bootstrap-server': 'k:1'}, {})).kind).toBe('usage')
    for (const bad of ['', 'host', 'host:', 'host:0', 'host:70000', 'http://h:1']) {
      expect(errorOf(() => parseBrokers(bad, '--bootstrap-server')).code).toBe('INVALID_ARGUMENT')
    }
    expect(parseBrokers('[::1]:9092, h2:1', 'x')).toEqual(['[::1]:9092', 'h2:1'])
    const file = configFile({profiles: {a: {bootstrapServers: 'h:1', sasl: {mechanism: 'gssapi', username: 'u', password: 'p'}}, b: {}}})
    expect(errorOf(() => resolveTarget({profile: 'a'}, {STROM_CONFIG: file})).message).toContain("unsupported SASL mechanism 'gssapi'")
    expect(errorOf(() => resolveTarget({profile: 'b'}, {STROM_CONFIG: file})).message).toContain('neither "bootstrapServers" nor "dir"')
    expect(errorOf(() => resolveTarget({profile: 'c'}, {STROM_CONFIG: file})).hint).toBe('known profiles: a, b')
    expect(errorOf(() => resolveTarget({profile: 'x'}, {STROM_CONFIG: configFile('{not json')})).code).toBe('INVALID_CONFIG')
    expect(errorOf(() => resolveTarget({profile: 'x'}, {STROM_CONFIG: '/nonexistent/strom.json'})).message).toContain('it does not exist')
  })

  it('mirror endpoints: dir:PATH, kafka://HOST:PORT[,HOST:PORT], or a profile', () => {
    expect(parseEndpoint('dir:./logs', {})).toEqual({kind: 'dir', dir: './logs'})
    expect(parseEndpoint('kafka://k1:9092,k2:9092/', {})).toEqual({kind: 'kafka', brokers: ['k1:9092', 'k2:9092']})
    const file = configFile({profiles: {prod: {bootstrapServers: 'p:1'}}})
    expect(parseEndpoint('prod', {STROM_CONFIG: file})).toMatchObject({kind: 'kafka', brokers: ['p:1']})
    expect(errorOf(() => parseEndpoint('dir:', {})).code).toBe('INVALID_ARGUMENT')
    expect(errorOf(() => parseEndpoint('./logs', {STROM_CONFIG: '/nonexistent'})).hint).toContain('dir:PATH')
  })
})
