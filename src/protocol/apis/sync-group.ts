/** SyncGroup (14). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const SyncGroup = api(14, 'SyncGroup', '0-5', '4+', [
  f('groupId', 'string', '0+'),
  f('generationId', 'int32', '0+'),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '3+', {nullable: '3+', default: null}),
  f('protocolType', 'string', '5+', {nullable: '5+', default: null}),
  f('protocolName', 'string', '5+', {nullable: '5+', default: null}),
  array('assignments', '0+', [
    f('memberId', 'string', '0+'),
    f('assignment', 'bytes', '0+'),
  ]),
], [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  f('protocolType', 'string', '5+', {nullable: '5+', default: null}),
  f('protocolName', 'string', '5+', {nullable: '5+', default: null}),
  f('assignment', 'bytes', '0+'),
])
