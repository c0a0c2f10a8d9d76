/**
 * The client's names for Kafka's error codes (Errors.java): a wrong number makes a retriable
 * answer fatal or the other way round. UNSTABLE_OFFSET_COMMIT (88) must be retriable: a
 * consume-transform-produce member waits on it for a previous owner's transaction to end.
 */
import {describe, expect, it} from 'vitest'
import {KafkaProtocolError, kafkaErrorName} from '../../../src/client/kafka-error.js'
import {ERR} from '../../../src/server/protocol/error-codes.js'

describe('Kafka error codes', () => {
  it('names 82..90 as Kafka does, with the retriable ones retriable', () => {
    expect([82, 83, 84, 85, 86, 87, 88, 89, 90].map(kafkaErrorName)).toEqual([
      'FENCED_INSTANCE_ID', 'ELIGIBLE_LEADERS_NOT_AVAILABLE', 'ELECTION_NOT_NEEDED', 'NO_REASSIGNMENT_IN_PROGRESS',
      'GROUP_SUBSCRIBED_TO_TOPIC', 'INVALID_RECORD', 'UNSTABLE_OFFSET_COMMIT', 'THROTTLING_QUOTA_EXCEEDED', 'PRODUCER_FENCED',
    ])
    expect(new KafkaProtocolError(88, 'fetching offsets').retriable).toBe(true)
    expect(new KafkaProtocolError(87, 'producing').retriable).toBe(false)
  })

  it('agrees with the codes strom serve answers with', () => {
    expect(kafkaErrorName(ERR.INVALID_RECORD)).toBe('INVALID_RECORD')
    expect(kafkaErrorName(ERR.GROUP_SUBSCRIBED_TO_TOPIC)).toBe('GROUP_SUBSCRIBED_TO_TOPIC')
  })
})
