import {ADVERTISED} from '../protocol/api-keys.js'
import {ERR} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

export const handleApiVersions: ApiHandler = () => ({errorCode: ERR.NONE, apiKeys: ADVERTISED})
