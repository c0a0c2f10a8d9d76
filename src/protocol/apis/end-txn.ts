/**
 * EndTxn (26): commit (committed true) or abort the producer's open transaction. Declared to v4:
 * v5 is transactions v2 (KIP-890), where the coordinator bumps the epoch on every EndTxn.
 */
import {api} from '../api.js'
import {field as f} from '../schema.js'

export const EndTxn = api(26, 'EndTxn', '0-4', '3+', [
  f('transactionalId', 'string', '0+'),
  f('producerId', 'int64', '0+'),
  f('producerEpoch', 'int16', '0+'),
  f('committed', 'bool', '0+'),
], [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
])
