/** CreatePartitions (37): raises a topic's partition count to `count`. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const CreatePartitions = api(37, 'CreatePartitions', '0-3', '2+', [
  array('topics', '0+', [
    f('name', 'string', '0+'),
    f('count', 'int32', '0+'),
    array('assignments', '0+', [f('brokerIds', '[]int32', '0+')], {nullable: '0+'}),
  ]),
  f('timeoutMs', 'int32', '0+'),
  f('validateOnly', 'bool', '0+'),
], [
  f('throttleTimeMs', 'int32', '0+'),
  array('results', '0+', [
    f('name', 'string', '0+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', {nullable: '0+', default: null}),
  ]),
])
