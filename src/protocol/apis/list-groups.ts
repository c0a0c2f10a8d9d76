/** ListGroups (16). v4 filters by group state. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const ListGroups = api(16, 'ListGroups', '0-5', '3+', [
  f('statesFilter', '[]string', '4+'),
  f('typesFilter', '[]string', '5+'),
], [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  array('groups', '0+', [
    f('groupId', 'string', '0+'),
    f('protocolType', 'string', '0+'),
    f('groupState', 'string', '4+'),
    f('groupType', 'string', '5+'),
  ]),
])
