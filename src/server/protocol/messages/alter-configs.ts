/*
  AlterConfigs Request (Version: 0-1) => [resources] validate_only BOOLEAN
    resources => resource_type INT8 resource_name STRING [configs]
      configs => name STRING value NULLABLE_STRING
  IncrementalAlterConfigs Request (Version: 0-1) => [resources] validate_only BOOLEAN
    resources => resource_type INT8 resource_name STRING [configs]
      configs => name STRING config_operation INT8 value NULLABLE_STRING
  Both responses (Version: 0-1) => throttle_time_ms INT32 [responses]
    responses => error_code INT16 error_message NULLABLE_STRING resource_type INT8 resource_name STRING

  AlterConfigs replaces a resource's whole set of overrides; IncrementalAlterConfigs applies one
  operation per key (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT; the last two on list configs).
  IncrementalAlterConfigs v1 is flexible (compact strings and arrays, tagged fields); AlterConfigs
  v1 has v0's bytes.
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export const CONFIG_OPERATION = {SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3} as const

export interface ConfigChange {
  name: string
  /** AlterConfigs: always SET, a null value meaning "no override". */
  operation: number
  value: string | null
}

export interface AlterConfigsRequest {
  resources: Array<{resourceType: number; resourceName: string; configs: ConfigChange[]}>
  validateOnly: boolean
}

export interface AlterConfigsResult {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
}

export function decodeRequest(reader: Reader, incremental: boolean, flexible: boolean): AlterConfigsRequest {
  const resources = reader.array((r) => {
    const resourceType = r.int8()
    const resourceName = r.string(flexible)
    const configs = r.array((cr): ConfigChange => {
      const name = cr.string(flexible)
      const operation = incremental ? cr.int8() : CONFIG_OPERATION.SET
      const value = cr.nullableString(flexible)
      if (flexible) cr.taggedFields()
      return {name, operation, value}
    }, flexible)
    if (flexible) r.taggedFields()
    return {resourceType, resourceName, configs}
  }, flexible)
  const validateOnly = reader.bool()
  if (flexible) reader.taggedFields()
  return {resources, validateOnly}
}

export function encodeResponse(writer: Writer, response: {results: AlterConfigsResult[]}, flexible: boolean): void {
  writer.int32(0)
  writer.array(response.results, (w, r) => {
    w.int16(r.errorCode).string(r.errorMessage, flexible).int8(r.resourceType).string(r.resourceName, flexible)
    if (flexible) w.taggedFields()
  }, flexible)
  if (flexible) writer.taggedFields()
}
