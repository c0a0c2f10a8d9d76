/** JoinGroup (11). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const JoinGroup = api(11, 'JoinGroup', '0-9', '6+', [
  f('groupId', 'string', '0+'),
  f('sessionTimeoutMs', 'int32', '0+'),
  f('rebalanceTimeoutMs', 'int32', '1+', {default: -1}),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '5+', {nullable: '5+', default: null}),
  f('protocolType', 'string', '0+'),
  array('protocols', '0+', [
    f('name', 'string', '0+'),
    f('metadata', 'bytes', '0+'),
  ]),
  f('reason', 'string', '8+', {nullable: '8+', default: null}),
], [
  f('throttleTimeMs', 'int32', '2+'),
  f('errorCode', 'int16', '0+'),
  f('generationId', 'int32', '0+', {default: -1}),
  f('protocolType', 'string', '7+', {nullable: '7+', default: null}),
  f('protocolName', 'string', '0+', {nullable: '7+'}),
  f('leader', 'string', '0+'),
  f('skipAssignment', 'bool', '9+'),
  f('memberId', 'string', '0+'),
  array('members', '0+', [
    f('memberId', 'string', '0+'),
    f('groupInstanceId', 'string', '5+', {nullable: '5+', default: null}),
    f('metadata', 'bytes', '0+'),
  ]),
])
