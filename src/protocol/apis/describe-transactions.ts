/** DescribeTransactions (65): the state of transactional ids, asked of their transaction coordinator. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const DescribeTransactions = api(65, 'DescribeTransactions', '0', '0+', [
  f('transactionalIds', '[]string', '0+'),
], [
  f('throttleTimeMs', 'int32', '0+'),
  array('transactionStates', '0+', [
    f('errorCode', 'int16', '0+'),
    f('transactionalId', 'string', '0+'),
    f('transactionState', 'string', '0+'),
    f('transactionTimeoutMs', 'int32', '0+'),
    f('transactionStartTimeMs', 'int64', '0+'),
    f('producerId', 'int64', '0+'),
    f('producerEpoch', 'int16', '0+'),
    array('topics', '0+', [
      f('topic', 'string', '0+'),
      f('partitions', '[]int32', '0+'),
    ]),
  ]),
])
