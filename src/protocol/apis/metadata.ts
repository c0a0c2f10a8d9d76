/** Metadata (3). v0: an empty topic list means all topics; v1+: null means all. */
import {api} from '../api.js'
import {array, field as f} from '../schema.js'

export const Metadata = api(3, 'Metadata', '0-12', '9+', [
  array('topics', '0+', [
    f('topicId', 'uuid', '10+'),
    f('name', 'string', '0+', {nullable: '10+'}),
  ], {nullable: '1+'}),
  f('allowAutoTopicCreation', 'bool', '4+', {default: true}),
  f('includeClusterAuthorizedOperations', 'bool', '8-10'),
  f('includeTopicAuthorizedOperations', 'bool', '8+'),
], [
  f('throttleTimeMs', 'int32', '3+'),
  array('brokers', '0+', [
    f('nodeId', 'int32', '0+'),
    f('host', 'string', '0+'),
    f('port', 'int32', '0+'),
    f('rack', 'string', '1+', {nullable: '1+', default: null}),
  ]),
  f('clusterId', 'string', '2+', {nullable: '2+', default: null}),
  f('controllerId', 'int32', '1+', {default: -1}),
  array('topics', '0+', [
    f('errorCode', 'int16', '0+'),
    f('name', 'string', '0+', {nullable: '12+'}),
    f('topicId', 'uuid', '10+'),
    f('isInternal', 'bool', '1+'),
    array('partitions', '0+', [
      f('errorCode', 'int16', '0+'),
      f('partitionIndex', 'int32', '0+'),
      f('leaderId', 'int32', '0+'),
      f('leaderEpoch', 'int32', '7+', {default: -1}),
      f('replicaNodes', '[]int32', '0+'),
      f('isrNodes', '[]int32', '0+'),
      f('offlineReplicas', '[]int32', '5+'),
    ]),
    f('topicAuthorizedOperations', 'int32', '8+', {default: -2147483648}),
  ]),
  f('clusterAuthorizedOperations', 'int32', '8-10', {default: -2147483648}),
])
