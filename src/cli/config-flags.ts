/**
 * `--config key=value` pairs as typed. Which keys are valid is the backend's business: a log
 * directory knows strom's set (and validates it in src/core), a Kafka cluster its own.
 */
import {StromError} from '../core/errors.js'

export function parseConfigAssignments(pairs: string[]): Record<string, string> {
  const config: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new StromError('INVALID_CONFIG', `invalid config '${pair}': expected key=value, e.g. retention.ms=86400000`)
    config[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim()
  }
  return config
}
