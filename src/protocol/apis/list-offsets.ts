/** ListOffsets (2). timestamp -1 = latest (end offset), -2 = earliest (log start). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const ListOffsets = api(2, 'ListOffsets', '0-8', '6+', [
  f('replicaId', 'int32', '0+'),
  f('isolationLevel', 'int8', '2+'),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('currentLeaderEpoch', 'int32', '4+', {default: -1}),
      f('timestamp', 'int64', '0+'),
      f('maxNumOffsets', 'int32', '0', {default: 1}),
    ]),
  ]),
], [
  f('throttleTimeMs', 'int32', '2+'),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      f('oldStyleOffsets', '[]int64', '0'),
      f('timestamp', 'int64', '1+', {default: -1}),
      f('offset', 'int64', '1+', {default: -1}),
      f('leaderEpoch', 'int32', '4+', {default: -1}),
    ]),
  ]),
])
