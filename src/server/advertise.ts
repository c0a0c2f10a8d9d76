/**
 * The address `strom serve` gives clients in Metadata, FindCoordinator and DescribeCluster. A
 * client connects to that address for everything after its bootstrap, so on a wildcard listen
 * (0.0.0.0, ::) 127.0.0.1 would send a remote client to its own machine. Without --advertise the
 * guess is the machine's hostname when it resolves to a non-loopback address (what other machines
 * most likely resolve too), else its first non-internal IPv4 address, else loopback.
 */
import dns from 'node:dns'
import os from 'node:os'
import {isLoopback} from './listener.js'

export interface AdvertisedHost {
  host: string
  /** How it was chosen, for the line serve prints. */
  source: string
}

export interface HostFacts {
  hostname(): string
  lookup(host: string): Promise<string[]>
  networkInterfaces(): NodeJS.Dict<os.NetworkInterfaceInfo[]>
}

const systemFacts: HostFacts = {
  hostname: () => os.hostname(),
  lookup: async (host) => (await dns.promises.lookup(host, {all: true})).map((entry) => entry.address),
  networkInterfaces: () => os.networkInterfaces(),
}

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::'
}

export async function guessAdvertisedHost(facts: HostFacts = systemFacts): Promise<AdvertisedHost> {
  const hostname = facts.hostname()
  try {
    const addresses = await facts.lookup(hostname)
    if (addresses.length > 0 && addresses.every((address) => !isLoopback(address))) return {host: hostname, source: `the hostname, which resolves to ${addresses[0]}`}
  } catch {
    // An unresolvable hostname: fall through to the interfaces.
  }
  for (const [name, entries] of Object.entries(facts.networkInterfaces())) {
    const ipv4 = entries?.find((entry) => entry.family === 'IPv4' && !entry.internal)
    if (ipv4 !== undefined) return {host: ipv4.address, source: `the first non-internal IPv4 address, of ${name} (the hostname ${hostname} resolves to loopback or not at all)`}
  }
  return {host: '127.0.0.1', source: 'loopback: this machine has no non-internal IPv4 address and its hostname does not resolve beyond loopback'}
}
