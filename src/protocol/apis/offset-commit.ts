/** OffsetCommit (8). generationId -1 with an empty memberId: a commit from outside any generation. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const OffsetCommit = api(8, 'OffsetCommit', '0-9', '8+', [
  f('groupId', 'string', '0+'),
  f('generationId', 'int32', '1+', {default: -1}),
  f('memberId', 'string', '1+'),
  f('groupInstanceId', 'string', '7+', {nullable: '7+', default: null}),
  f('retentionTimeMs', 'int64', '2-4', {default: -1}),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('committedOffset', 'int64', '0+'),
      f('committedLeaderEpoch', 'int32', '6+', {default: -1}),
      f('commitTimestamp', 'int64', '1', {default: -1}),
      f('committedMetadata', 'string', '0+', {nullable: '0+'}),
    ]),
  ]),
], [
  f('throttleTimeMs', 'int32', '3+'),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
    ]),
  ]),
])
