/**
 * TxnOffsetCommit (28): offsets written to the group coordinator as part of a transaction, visible
 * only once it commits. v3+ carries the group member's generation (KIP-447), so a zombie member's
 * commit is refused. Declared to v4: v5 is transactions v2 (KIP-890).
 */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const TxnOffsetCommit = api(28, 'TxnOffsetCommit', '0-4', '3+', [
  f('transactionalId', 'string', '0+'),
  f('groupId', 'string', '0+'),
  f('producerId', 'int64', '0+'),
  f('producerEpoch', 'int16', '0+'),
  f('generationId', 'int32', '3+', {default: -1}),
  f('memberId', 'string', '3+', {default: ''}),
  f('groupInstanceId', 'string', '3+', {nullable: '3+', default: null}),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('committedOffset', 'int64', '0+'),
      f('committedLeaderEpoch', 'int32', '2+', {default: -1}),
      f('committedMetadata', 'string', '0+', {nullable: '0+'}),
    ]),
  ]),
], [
  f('throttleTimeMs', 'int32', '0+'),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
    ]),
  ]),
])
