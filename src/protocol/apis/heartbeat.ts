/** Heartbeat (12). */
import {api} from '../api.js'
import {field as f} from '../schema.js'

export const Heartbeat = api(12, 'Heartbeat', '0-4', '4+', [
  f('groupId', 'string', '0+'),
  f('generationId', 'int32', '0+'),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '3+', {nullable: '3+', default: null}),
], [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
])
