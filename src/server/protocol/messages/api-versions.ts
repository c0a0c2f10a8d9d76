/*
  ApiVersions Request (Version: 0-2) => (empty)
  ApiVersions Request (Version: 3) => client_software_name COMPACT_STRING client_software_version COMPACT_STRING TAG_BUFFER

  ApiVersions Response (Version: 0) => error_code INT16 [api_keys] ; api_keys => api_key INT16 min_version INT16 max_version INT16
  ApiVersions Response (Version: 1-2) => error_code INT16 [api_keys] throttle_time_ms INT32
  ApiVersions Response (Version: 3) => error_code INT16 [api_keys TAG_BUFFER] (COMPACT) throttle_time_ms INT32 TAG_BUFFER
*/
import type {VersionRange} from '../api-keys.js'
import {Reader} from '../reader.js'
import {Writer} from '../writer.js'

export interface ApiVersionsRequest {
  clientSoftwareName: string | null
  clientSoftwareVersion: string | null
}

export function decodeRequest(reader: Reader, version: number): ApiVersionsRequest {
  if (version < 3) return {clientSoftwareName: null, clientSoftwareVersion: null}
  const clientSoftwareName = reader.string(true)
  const clientSoftwareVersion = reader.string(true)
  reader.taggedFields()
  return {clientSoftwareName, clientSoftwareVersion}
}

export function encodeResponse(writer: Writer, version: number, response: {errorCode: number; apiKeys: readonly VersionRange[]}): void {
  const flexible = version >= 3
  writer.int16(response.errorCode)
  writer.array(response.apiKeys, (w, k) => {
    w.int16(k.apiKey).int16(k.minVersion).int16(k.maxVersion)
    if (flexible) w.taggedFields()
  }, flexible)
  if (version >= 1) writer.int32(0)
  if (flexible) writer.taggedFields()
}
