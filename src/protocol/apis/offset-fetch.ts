/** OffsetFetch (9). v8+ asks for several groups at once; null topics (v2+) = every committed partition. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const OffsetFetch = api(9, 'OffsetFetch', '0-9', '6+', [
  f('groupId', 'string', '0-7'),
  array('topics', '0-7', [
    f('name', 'string', '0-7'),
    f('partitionIndexes', '[]int32', '0-7'),
  ], {nullable: '2-7'}),
  array('groups', '8+', [
    f('groupId', 'string', '8+'),
    f('memberId', 'string', '9+', {nullable: '9+', default: null}),
    f('memberEpoch', 'int32', '9+', {default: -1}),
    array('topics', '8+', [
      f('name', 'string', '8+'),
      f('partitionIndexes', '[]int32', '8+'),
    ], {nullable: '8+'}),
  ]),
  f('requireStable', 'bool', '7+'),
], [
  f('throttleTimeMs', 'int32', '3+'),
  array('topics', '0-7', [
    f('name', 'string', '0-7'),
    array('partitions', '0-7', [
      f('partitionIndex', 'int32', '0-7'),
      f('committedOffset', 'int64', '0-7'),
      f('committedLeaderEpoch', 'int32', '5-7', {default: -1}),
      f('metadata', 'string', '0-7', {nullable: '0-7'}),
      f('errorCode', 'int16', '0-7'),
    ]),
  ]),
  f('errorCode', 'int16', '2-7'),
  array('groups', '8+', [
    f('groupId', 'string', '8+'),
    array('topics', '8+', [
      f('name', 'string', '8+'),
      array('partitions', '8+', [
        f('partitionIndex', 'int32', '8+'),
        f('committedOffset', 'int64', '8+'),
        f('committedLeaderEpoch', 'int32', '8+', {default: -1}),
        f('metadata', 'string', '8+', {nullable: '8+'}),
        f('errorCode', 'int16', '8+'),
      ]),
    ]),
    f('errorCode', 'int16', '8+'),
  ]),
])
