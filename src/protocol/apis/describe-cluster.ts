/** DescribeCluster (60): the cluster id, the controller and the brokers (KIP-700); v2 adds fencing. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const DescribeCluster = api(60, 'DescribeCluster', '0-2', '0+', [
  f('includeClusterAuthorizedOperations', 'bool', '0+'),
  f('endpointType', 'int8', '1+', {default: 1}),
  f('includeFencedBrokers', 'bool', '2+'),
], [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', {nullable: '0+', default: null}),
  f('endpointType', 'int8', '1+', {default: 1}),
  f('clusterId', 'string', '0+'),
  f('controllerId', 'int32', '0+', {default: -1}),
  array('brokers', '0+', [
    f('brokerId', 'int32', '0+'),
    f('host', 'string', '0+'),
    f('port', 'int32', '0+'),
    f('rack', 'string', '0+', {nullable: '0+', default: null}),
    f('isFenced', 'bool', '2+'),
  ]),
  f('clusterAuthorizedOperations', 'int32', '0+', {default: -2147483648}),
])
