/** AlterConfigs (33) replaces a resource's whole config; IncrementalAlterConfigs (44) sets, deletes, appends or subtracts single keys. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

const response = [
  f('throttleTimeMs', 'int32', '0+'),
  array('responses', '0+', [
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', {nullable: '0+'}),
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
  ]),
]

export const AlterConfigs = api(33, 'AlterConfigs', '0-2', '2+', [
  array('resources', '0+', [
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    array('configs', '0+', [
      f('name', 'string', '0+'),
      f('value', 'string', '0+', {nullable: '0+'}),
    ]),
  ]),
  f('validateOnly', 'bool', '0+'),
], response)

export const IncrementalAlterConfigs = api(44, 'IncrementalAlterConfigs', '0-1', '1+', [
  array('resources', '0+', [
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    array('configs', '0+', [
      f('name', 'string', '0+'),
      f('configOperation', 'int8', '0+'),
      f('value', 'string', '0+', {nullable: '0+'}),
    ]),
  ]),
  f('validateOnly', 'bool', '0+'),
], response)
