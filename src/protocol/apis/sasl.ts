/** SaslHandshake (17) and SaslAuthenticate (36). After a SaslHandshake v0 the token travels as a bare frame. */
import {api} from '../api.js'
import {field as f} from '../schema.js'

export const SaslHandshake = api(17, 'SaslHandshake', '0-1', 'none', [
  f('mechanism', 'string', '0+'),
], [
  f('errorCode', 'int16', '0+'),
  f('mechanisms', '[]string', '0+'),
])

export const SaslAuthenticate = api(36, 'SaslAuthenticate', '0-2', '2+', [
  f('authBytes', 'bytes', '0+'),
], [
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', {nullable: '0+'}),
  f('authBytes', 'bytes', '0+'),
  f('sessionLifetimeMs', 'int64', '1+'),
])
