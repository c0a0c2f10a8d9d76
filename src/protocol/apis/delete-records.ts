/** DeleteRecords (21): moves each partition's log start up to `offset` (-1 = the high watermark). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const DeleteRecords = api(21, 'DeleteRecords', '0-2', '2+', [
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('offset', 'int64', '0+'),
    ]),
  ]),
  f('timeoutMs', 'int32', '0+'),
], [
  f('throttleTimeMs', 'int32', '0+'),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    array('partitions', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('lowWatermark', 'int64', '0+'),
      f('errorCode', 'int16', '0+'),
    ]),
  ]),
])
