/** DeleteGroups (42). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const DeleteGroups = api(42, 'DeleteGroups', '0-2', '2+', [
  f('groupsNames', '[]string', '0+'),
], [
  f('throttleTimeMs', 'int32', '0+'),
  array('results', '0+', [
    f('groupId', 'string', '0+'),
    f('errorCode', 'int16', '0+'),
  ]),
])
