/**
 * What `strom serve` warns about when it listens beyond loopback: without SASL anyone who reaches
 * the port reads and writes the log; without TLS passwords and data cross the network in clear.
 */
import {isLoopback} from './listener.js'

export function exposureWarning(host: string, security: {sasl: boolean; tls: boolean; dir: string}): string | undefined {
  if (isLoopback(host) || (security.sasl && security.tls)) return undefined
  const where = `listening on ${host}, not loopback`
  if (!security.sasl && !security.tls) return `${where}: anyone who can reach this port can read and write ${security.dir} (no authentication, no encryption; add --sasl-users FILE and --tls-cert/--tls-key)`
  if (!security.sasl) return `${where}: anyone who can reach this port can read and write ${security.dir} (TLS encrypts, but there is no authentication; add --sasl-users FILE)`
  return `${where}: passwords and messages cross the network in clear text (add --tls-cert/--tls-key for SASL_SSL)`
}
