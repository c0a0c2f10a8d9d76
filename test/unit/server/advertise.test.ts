import type os from 'node:os'
import {describe, expect, it} from 'vitest'
import {guessAdvertisedHost, type HostFacts} from '../../../src/server/advertise.js'

const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') => ({address, internal, family}) as os.NetworkInterfaceInfo
const facts = (resolved: string[] | Error, interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): HostFacts => ({
  hostname: () => 'box',
  lookup: async () => {
    if (resolved instanceof Error) throw resolved
    return resolved
  },
  networkInterfaces: () => interfaces,
})
const INTERFACES = {lo: [iface('127.0.0.1', true)], eth0: [iface('fe80::1', false, 'IPv6'), iface('10.1.2.3', false)], eth1: [iface('10.9.9.9', false)]}

describe('guessAdvertisedHost (serve on 0.0.0.0 without --advertise)', () => {
  it('the hostname when it resolves beyond loopback', async () => {
    expect((await guessAdvertisedHost(facts(['10.1.2.3'], INTERFACES))).host).toBe('box')
  })

  it('the first non-internal IPv4 address when the hostname resolves to loopback or not at all', async () => {
    expect((await guessAdvertisedHost(facts(['127.0.1.1'], INTERFACES))).host).toBe('10.1.2.3')
    expect((await guessAdvertisedHost(facts(new Error('ENOTFOUND'), INTERFACES))).host).toBe('10.1.2.3')
  })

  it('loopback when there is nothing else, and says why', async () => {
    const guess = await guessAdvertisedHost(facts(new Error('ENOTFOUND'), {lo: [iface('127.0.0.1', true)]}))
    expect(guess.host).toBe('127.0.0.1')
    expect(guess.source).toMatch(/no non-internal IPv4 address/)
  })
})
