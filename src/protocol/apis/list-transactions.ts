/** ListTransactions (66): the transactions one broker coordinates. v1 adds durationFilter (open longer than, in ms; -1 none). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const ListTransactions = api(66, 'ListTransactions', '0-1', '0+', [
  f('stateFilters', '[]string', '0+'),
  f('producerIdFilters', '[]int64', '0+'),
  f('durationFilter', 'int64', '1+', {default: -1}),
], [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('unknownStateFilters', '[]string', '0+'),
  array('transactionStates', '0+', [
    f('transactionalId', 'string', '0+'),
    f('producerId', 'int64', '0+'),
    f('transactionState', 'string', '0+'),
  ]),
])
