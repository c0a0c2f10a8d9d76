/**
 * The transaction APIs a producer speaks (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * TxnOffsetCommit) and the two an operator asks (DescribeTransactions, ListTransactions): each
 * request and response, with realistic values, survives encode → decode at its lowest and highest
 * declared version; fields a version lacks come back as their defaults. Two layouts are checked
 * byte by byte (non-flexible and flexible), so a round trip cannot hide a symmetric mistake.
 */
import {describe, expect, it} from 'vitest'
import {AddOffsetsToTxn, AddPartitionsToTxn, DescribeTransactions, EndTxn, ListTransactions, TxnOffsetCommit} from '../../../src/protocol/apis/index.js'
import type {ApiSchema} from '../../../src/protocol/api.js'
import {type Struct, decode, encode} from '../../../src/protocol/schema.js'

const bytes = (schema: ApiSchema['request'], value: Struct, version: number) => Buffer.from(encode(schema, value, version).toBuffer())
const roundTrip = (schema: ApiSchema['request'], value: Struct, version: number) => decode(schema, bytes(schema, value, version), version)

interface Case {
  api: ApiSchema
  request: Struct
  response: Struct
  /** Fields absent at the lowest version, with the default decode gives them there. */
  lowestDefaults?: {request?: Struct; response?: Struct}
}

const CASES: Case[] = [
  {
    api: AddPartitionsToTxn,
    request: {v3AndBelowTransactionalId: 'tx-1', v3AndBelowProducerId: 4001, v3AndBelowProducerEpoch: 3, v3AndBelowTopics: [{name: 'orders', partitions: [0, 2]}]},
    response: {throttleTimeMs: 0, resultsByTopicV3AndBelow: [{name: 'orders', resultsByPartition: [{partitionIndex: 0, partitionErrorCode: 0}, {partitionIndex: 2, partitionErrorCode: 51}]}]},
  },
  {
    api: AddOffsetsToTxn,
    request: {transactionalId: 'tx-1', producerId: 4001, producerEpoch: 3, groupId: 'billing'},
    response: {throttleTimeMs: 5, errorCode: 0},
  },
  {
    api: EndTxn,
    request: {transactionalId: 'tx-1', producerId: 4001, producerEpoch: 3, committed: true},
    response: {throttleTimeMs: 0, errorCode: 90},
  },
  {
    api: TxnOffsetCommit,
    request: {
      transactionalId: 'tx-1', groupId: 'billing', producerId: 4001, producerEpoch: 3, generationId: 7, memberId: 'member-1', groupInstanceId: 'instance-a',
      topics: [{name: 'orders', partitions: [{partitionIndex: 1, committedOffset: 42, committedLeaderEpoch: 2, committedMetadata: null}]}],
    },
    response: {throttleTimeMs: 0, topics: [{name: 'orders', partitions: [{partitionIndex: 1, errorCode: 0}]}]},
    // v0 has neither the group metadata (v3, KIP-447) nor the leader epoch (v2).
    lowestDefaults: {request: {generationId: -1, memberId: '', groupInstanceId: null, topics: [{name: 'orders', partitions: [{partitionIndex: 1, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null}]}]}},
  },
  {
    api: DescribeTransactions,
    request: {transactionalIds: ['tx-1', 'tx-2']},
    response: {
      throttleTimeMs: 0,
      transactionStates: [{errorCode: 0, transactionalId: 'tx-1', transactionState: 'Ongoing', transactionTimeoutMs: 60_000, transactionStartTimeMs: 1_700_000_000_000, producerId: 4001, producerEpoch: 3, topics: [{topic: 'orders', partitions: [0, 2]}]}],
    },
  },
  {
    api: ListTransactions,
    request: {stateFilters: ['Ongoing'], producerIdFilters: [4001], durationFilter: 30_000},
    response: {throttleTimeMs: 0, errorCode: 0, unknownStateFilters: ['Nonsense'], transactionStates: [{transactionalId: 'tx-1', producerId: 4001, transactionState: 'Ongoing'}]},
    lowestDefaults: {request: {durationFilter: -1}},
  },
]

describe('transaction API declarations', () => {
  for (const c of CASES) {
    it(`${c.api.name} (key ${c.api.key}) v${c.api.maxVersion}: request and response round-trip`, () => {
      expect(roundTrip(c.api.request, c.request, c.api.maxVersion)).toEqual(c.request)
      expect(roundTrip(c.api.response, c.response, c.api.maxVersion)).toEqual(c.response)
    })
    it(`${c.api.name} (key ${c.api.key}) v${c.api.minVersion}: request and response round-trip`, () => {
      expect(roundTrip(c.api.request, c.request, c.api.minVersion)).toEqual({...c.request, ...c.lowestDefaults?.request})
      expect(roundTrip(c.api.response, c.response, c.api.minVersion)).toEqual({...c.response, ...c.lowestDefaults?.response})
    })
  }

  it('declares the versions a client uses (v4+ AddPartitionsToTxn is broker-to-broker; EndTxn/TxnOffsetCommit v5 are transactions v2)', () => {
    expect([AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit, DescribeTransactions, ListTransactions].map((a) => [a.key, a.minVersion, a.maxVersion])).toEqual([
      [24, 0, 3], [25, 0, 4], [26, 0, 4], [28, 0, 4], [65, 0, 0], [66, 0, 1],
    ])
  })

  it('EndTxn v0 is laid out as Kafka does: int16-length string, int64, int16, bool', () => {
    const expected = Buffer.concat([
      Buffer.from([0, 4]), Buffer.from('tx-1'),
      Buffer.from([0, 0, 0, 0, 0, 0, 0x0f, 0xa1]), // producerId 4001
      Buffer.from([0, 3]), // producerEpoch
      Buffer.from([1]), // committed
    ])
    expect(bytes(EndTxn.request, CASES[2]!.request, 0)).toEqual(expected)
  })

  it('TxnOffsetCommit v3 (flexible) puts the group metadata after the producer epoch, compact strings and arrays, empty tag buffers', () => {
    const value = {transactionalId: 't', groupId: 'g', producerId: 1, producerEpoch: 0, generationId: 7, memberId: 'm', groupInstanceId: null, topics: []}
    const expected = Buffer.from([
      2, 0x74, // compact string 't'
      2, 0x67, // 'g'
      0, 0, 0, 0, 0, 0, 0, 1, // producerId
      0, 0, // producerEpoch
      0, 0, 0, 7, // generationId
      2, 0x6d, // memberId 'm'
      0, // groupInstanceId null
      1, // topics: compact array of 0
      0, // tagged fields
    ])
    expect(bytes(TxnOffsetCommit.request, value, 3)).toEqual(expected)
  })
})
