/** CreateTopics (19). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const CreateTopics = api(19, 'CreateTopics', '2-7', '5+', [
  array('topics', '0+', [
    f('name', 'string', '0+'),
    f('numPartitions', 'int32', '0+'),
    f('replicationFactor', 'int16', '0+'),
    array('assignments', '0+', [
      f('partitionIndex', 'int32', '0+'),
      f('brokerIds', '[]int32', '0+'),
    ]),
    array('configs', '0+', [
      f('name', 'string', '0+'),
      f('value', 'string', '0+', {nullable: '0+'}),
    ]),
  ]),
  f('timeoutMs', 'int32', '0+', {default: 60000}),
  f('validateOnly', 'bool', '1+'),
], [
  f('throttleTimeMs', 'int32', '2+'),
  array('topics', '0+', [
    f('name', 'string', '0+'),
    f('topicId', 'uuid', '7+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '1+', {nullable: '0+', default: null}),
    f('topicConfigErrorCode', 'int16', '5+', {tag: 0, tagged: '5+'}),
    f('numPartitions', 'int32', '5+', {default: -1}),
    f('replicationFactor', 'int16', '5+', {default: -1}),
    array('configs', '5+', [
      f('name', 'string', '5+'),
      f('value', 'string', '5+', {nullable: '5+'}),
      f('readOnly', 'bool', '5+'),
      f('configSource', 'int8', '5+', {default: -1}),
      f('isSensitive', 'bool', '5+'),
    ], {nullable: '5+', default: null}),
  ]),
])
