/*
  DescribeConfigs Request (Version: 0-2) => [resources] include_synonyms BOOLEAN (v1+)
    resources => resource_type INT8 resource_name STRING [configuration_keys STRING] (nullable: null = all)

  DescribeConfigs Response (Version: 0-2) => throttle_time_ms INT32 [results]
    results => error_code INT16 error_message NULLABLE_STRING resource_type INT8 resource_name STRING [configs]
      configs => name STRING value NULLABLE_STRING read_only BOOLEAN
                 is_default BOOLEAN (v0) | config_source INT8 (v1+)
                 is_sensitive BOOLEAN [synonyms] (v1+)
        synonyms => name STRING value NULLABLE_STRING source INT8

  resource_type 2 = topic, 4 = broker. config_source 1 = dynamic topic config, 5 = default.
*/
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export const RESOURCE_TOPIC = 2
export const RESOURCE_BROKER = 4

export interface DescribeConfigsRequest {
  resources: Array<{resourceType: number; resourceName: string; configurationKeys: string[] | null}>
}

export interface DescribeConfigsResult {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
  configs: Array<{name: string; value: string | null; isDefault: boolean}>
}

export function decodeRequest(reader: Reader, version: number): DescribeConfigsRequest {
  const resources = reader.array((r) => ({resourceType: r.int8(), resourceName: r.string(), configurationKeys: r.nullableArray((kr) => kr.string())}))
  if (version >= 1) reader.bool()
  return {resources}
}

export function encodeResponse(writer: Writer, version: number, response: {results: DescribeConfigsResult[]}): void {
  writer.int32(0)
  writer.array(response.results, (w, res) => {
    w.int16(res.errorCode).string(res.errorMessage).int8(res.resourceType).string(res.resourceName)
    w.array(res.configs, (cw, c) => {
      cw.string(c.name).string(c.value).bool(false)
      if (version === 0) cw.bool(c.isDefault)
      else cw.int8(c.isDefault ? 5 : 1)
      cw.bool(false)
      if (version >= 1) cw.array([], () => {})
    })
  })
}
