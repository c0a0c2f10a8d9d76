/** LeaveGroup (13). v3+ removes a list of members (KIP-345) instead of the sender alone. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const LeaveGroup = api(13, 'LeaveGroup', '0-5', '4+', [
  f('groupId', 'string', '0+'),
  f('memberId', 'string', '0-2'),
  array('members', '3+', [
    f('memberId', 'string', '3+'),
    f('groupInstanceId', 'string', '3+', {nullable: '3+', default: null}),
    f('reason', 'string', '5+', {nullable: '5+', default: null}),
  ]),
], [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  array('members', '3+', [
    f('memberId', 'string', '3+'),
    f('groupInstanceId', 'string', '3+', {nullable: '3+', default: null}),
    f('errorCode', 'int16', '3+'),
  ]),
])
