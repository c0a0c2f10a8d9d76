/** ApiVersions (18). Its response always travels with response header v0, whatever the version (KIP-511). */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const ApiVersions = api(18, 'ApiVersions', '0-4', '3+', [
  f('clientSoftwareName', 'string', '3+'),
  f('clientSoftwareVersion', 'string', '3+'),
], [
  f('errorCode', 'int16', '0+'),
  array('apiKeys', '0+', [
    f('apiKey', 'int16', '0+'),
    f('minVersion', 'int16', '0+'),
    f('maxVersion', 'int16', '0+'),
  ]),
  f('throttleTimeMs', 'int32', '1+'),
  array('supportedFeatures', '3+', [
    f('name', 'string', '3+'),
    f('minVersion', 'int16', '3+'),
    f('maxVersion', 'int16', '3+'),
  ], {tag: 0, tagged: '3+'}),
  f('finalizedFeaturesEpoch', 'int64', '3+', {tag: 1, tagged: '3+', default: -1}),
  array('finalizedFeatures', '3+', [
    f('name', 'string', '3+'),
    f('maxVersionLevel', 'int16', '3+'),
    f('minVersionLevel', 'int16', '3+'),
  ], {tag: 2, tagged: '3+'}),
  f('zkMigrationReady', 'bool', '3+', {tag: 3, tagged: '3+'}),
])
