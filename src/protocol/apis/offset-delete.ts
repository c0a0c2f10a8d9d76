/** OffsetDelete (47): removes a group's committed offsets of partitions it no longer consumes (KIP-496). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const OffsetDelete = api(47, 'OffsetDelete', '0', 'none', [
  f('groupId', 'string', '0+'),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [f('partitionIndex', 'int32', '0+')]),
  ]),
], [
  f('errorCode', 'int16', '0+'),
  f('throttleTimeMs', 'int32', '0+'),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
    ]),
  ]),
])
