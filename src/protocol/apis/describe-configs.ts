/** DescribeConfigs (32). resourceType 2 = topic, 4 = broker. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const DescribeConfigs = api(32, 'DescribeConfigs', '1-4', '4+', [
  array('resources', '0+', [
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    f('configurationKeys', '[]string', '0+', {nullable: '0+'}),
  ]),
  f('includeSynonyms', 'bool', '1+'),
  f('includeDocumentation', 'bool', '3+'),
], [
  f('throttleTimeMs', 'int32', '0+'),
  array('results', '0+', [
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', {nullable: '0+'}),
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    array('configs', '0+', [
      f('name', 'string', '0+'),
      f('value', 'string', '0+', {nullable: '0+'}),
      f('readOnly', 'bool', '0+'),
      f('configSource', 'int8', '1+', {default: -1}),
      f('isSensitive', 'bool', '0+'),
      array('synonyms', '1+', [
        f('name', 'string', '1+'),
        f('value', 'string', '1+', {nullable: '0+'}),
        f('source', 'int8', '1+'),
      ]),
      f('configType', 'int8', '3+'),
      f('documentation', 'string', '3+', {nullable: '0+'}),
    ]),
  ]),
])
