/**
 * Produce (0). Declared from v3 (the first with RecordBatch v2, the only format strom stores);
 * v0-2 are advertised but refused (api-keys.ts says why).
 */
import {api} from '../api.js'
import {array, field as f, struct} from '../schema.js'

export const Produce = api(0, 'Produce', '3-11', '9+', [
  f('transactionalId', 'string', '3+', {nullable: '3+', default: null}),
  f('acks', 'int16', '0+'),
  f('timeoutMs', 'int32', '0+'),
  array('topicData', '0+', [
    f('name', 'string', '0+'),
    array('partitionData', '0+', [
      f('index', 'int32', '0+'),
      f('records', 'records', '0+', {nullable: '0+'}),
    ]),
  ]),
], [
  array('responses', '0+', [
    f('name', 'string', '0+'),
    array('partitionResponses', '0+', [
      f('index', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      f('baseOffset', 'int64', '0+'),
      f('logAppendTimeMs', 'int64', '2+', {default: -1}),
      f('logStartOffset', 'int64', '5+', {default: -1}),
      array('recordErrors', '8+', [
        f('batchIndex', 'int32', '8+'),
        f('batchIndexErrorMessage', 'string', '8+', {nullable: '8+', default: null}),
      ]),
      f('errorMessage', 'string', '8+', {nullable: '8+', default: null}),
      struct('currentLeader', '10+', [
        f('leaderId', 'int32', '10+', {default: -1}),
        f('leaderEpoch', 'int32', '10+', {default: -1}),
      ], {tag: 0, tagged: '10+'}),
    ]),
  ]),
  f('throttleTimeMs', 'int32', '1+'),
  array('nodeEndpoints', '10+', [
    f('nodeId', 'int32', '10+'),
    f('host', 'string', '10+'),
    f('port', 'int32', '10+'),
    f('rack', 'string', '10+', {nullable: '10+', default: null}),
  ], {tag: 0, tagged: '10+'}),
])
