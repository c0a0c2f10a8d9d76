import {ADVERTISED} from '../protocol/api-keys.js'
import {ERR} from '../protocol/error-codes.js'
import {decodeRequest, encodeResponse} from '../protocol/messages/api-versions.js'
import type {Handler} from './types.js'

export const handleApiVersions: Handler = (_ctx, request, reader, writer) => {
  decodeRequest(reader, request.header.apiVersion)
  encodeResponse(writer, request.header.apiVersion, {errorCode: ERR.NONE, apiKeys: ADVERTISED})
}
