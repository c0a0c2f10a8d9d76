/**
 * DescribeCluster (KIP-700): the one node, which is also the controller. A request for the
 * controllers (endpointType 2) is for a controller listener, which strom has not: answered
 * UNSUPPORTED_ENDPOINT_TYPE, as a Kafka broker listener does.
 */
import {NODE_ID} from '../context.js'
import {ERR} from '../protocol/error-codes.js'
import type {ApiHandler} from './types.js'

const BROKERS = 1

export const handleDescribeCluster: ApiHandler = (ctx, _request, req) => {
  const base = {throttleTimeMs: 0, endpointType: req.endpointType as number, clusterId: ctx.clusterId, controllerId: NODE_ID}
  if (req.endpointType !== BROKERS) return {...base, errorCode: ERR.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `endpoint type ${req.endpointType}: this server has brokers only (1)`, brokers: []}
  return {
    ...base,
    errorCode: ERR.NONE,
    errorMessage: null,
    brokers: [{brokerId: NODE_ID, host: ctx.options.advertisedHost, port: ctx.options.advertisedPort, rack: null, isFenced: false}],
  }
}
