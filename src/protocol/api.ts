/** One API: its key, the versions strom implements, and its request and response declarations. */
import {type Field, type MessageSchema, message, versions} from './schema.js'

export interface ApiSchema {
  key: number
  name: string
  minVersion: number
  maxVersion: number
  /** First flexible version (Infinity: none in range). */
  flexibleFrom: number
  request: MessageSchema
  response: MessageSchema
}

export function api(key: number, name: string, range: string, flexible: string, request: readonly Field[], response: readonly Field[]): ApiSchema {
  const {min, max} = versions(range)
  const flexibleFrom = flexible === 'none' ? Infinity : versions(flexible).min
  return {key, name, minVersion: min, maxVersion: max, flexibleFrom, request: message(`${name}Request`, flexible, request), response: message(`${name}Response`, flexible, response)}
}
