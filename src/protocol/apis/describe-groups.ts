/** DescribeGroups (15). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const DescribeGroups = api(15, 'DescribeGroups', '0-5', '5+', [
  f('groups', '[]string', '0+'),
  f('includeAuthorizedOperations', 'bool', '3+'),
], [
  f('throttleTimeMs', 'int32', '1+'),
  array('groups', '0+', [
    f('errorCode', 'int16', '0+'),
    f('groupId', 'string', '0+'),
    f('groupState', 'string', '0+'),
    f('protocolType', 'string', '0+'),
    f('protocolData', 'string', '0+'),
    array('members', '0+', [
      f('memberId', 'string', '0+'),
      f('groupInstanceId', 'string', '4+', {nullable: '4+', default: null}),
      f('clientId', 'string', '0+'),
      f('clientHost', 'string', '0+'),
      f('memberMetadata', 'bytes', '0+'),
      f('memberAssignment', 'bytes', '0+'),
    ]),
    f('authorizedOperations', 'int32', '3+', {default: -2147483648}),
  ]),
])
