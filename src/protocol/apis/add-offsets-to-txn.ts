/** AddOffsetsToTxn (25): the transaction will commit offsets of `groupId` (its coordinator joins the transaction). */
import {api} from '../api.js'
import {field as f} from '../schema.js'

export const AddOffsetsToTxn = api(25, 'AddOffsetsToTxn', '0-4', '3+', [
  f('transactionalId', 'string', '0+'),
  f('producerId', 'int64', '0+'),
  f('producerEpoch', 'int16', '0+'),
  f('groupId', 'string', '0+'),
], [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
])
