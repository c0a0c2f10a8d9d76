/**
 * AddPartitionsToTxn (24). Declared to v3 only: from v4 the request carries several transactions
 * at once and is broker-to-broker (KIP-890, a broker verifying a producer's partition); clients
 * stay at v3, whose fields Kafka prefixes "V3AndBelow".
 */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const AddPartitionsToTxn = api(24, 'AddPartitionsToTxn', '0-3', '3+', [
  f('v3AndBelowTransactionalId', 'string', '0-3'),
  f('v3AndBelowProducerId', 'int64', '0-3'),
  f('v3AndBelowProducerEpoch', 'int16', '0-3'),
  array('v3AndBelowTopics', '0-3', [
    f('name', 'string', '0+'),
    f('partitions', '[]int32', '0+'),
  ]),
], [
  f('throttleTimeMs', 'int32', '0+'),
  array('resultsByTopicV3AndBelow', '0-3', [
    f('name', 'string', '0+'),
    array('resultsByPartition', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('partitionErrorCode', 'int16', '0+'),
    ]),
  ]),
])
