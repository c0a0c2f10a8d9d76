/** DeleteTopics (20). v6 names topics by name or id. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const DeleteTopics = api(20, 'DeleteTopics', '1-6', '4+', [
  array('topics', '6+', [
    f('name', 'string', '6+', {nullable: '6+', default: null}),
    f('topicId', 'uuid', '6+'),
  ]),
  f('topicNames', '[]string', '0-5'),
  f('timeoutMs', 'int32', '0+'),
], [
  f('throttleTimeMs', 'int32', '1+'),
  array('responses', '0+', [
    f('name', 'string', '0+', {nullable: '6+'}),
    f('topicId', 'uuid', '6+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '5+', {nullable: '5+', default: null}),
  ]),
])
