/**
 * The server's codecs against request bytes captured from the real clients CI installs (kcat 1.7.1
 * on librdkafka 2.0.2, kafka-python 2.0.2), plus the admin and SASL requests of kafkajs 2.2.4 (the
 * client of the lead's Kafka backend; captured by hand, not installed by CI): every fixture must
 * decode completely, with the fields the clients are known to send. Encoders are checked against
 * hand-assembled bytes.
 */
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {Reader, ProtocolError} from '../../../src/server/protocol/reader.js'
import {Writer} from '../../../src/server/protocol/writer.js'
import {decodeRequestHeader, finishFrame, startResponse} from '../../../src/server/protocol/header.js'
import {ADVERTISED, SUPPORTED, isSupported} from '../../../src/server/protocol/api-keys.js'
import {API_BY_KEY, ApiVersions, IncrementalAlterConfigs, Metadata, SaslAuthenticate, SaslHandshake} from '../../../src/protocol/apis/index.js'
import {decodeFrom, encode} from '../../../src/protocol/schema.js'
import {decodeAssignment, decodeSubscriptionTopics, encodeAssignment} from '../../../src/protocol/consumer-protocol.js'

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures')

/** Every request decodes from its API's declaration (src/protocol/apis). */
const decodeBody = (key: number, r: Reader, v: number) => decodeFrom(API_BY_KEY.get(key)!.request, r, v)

// Each fixture's body is a different API's decoded request, checked field by field below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function decodeFixture(name: string): {apiKey: number; apiVersion: number; clientId: string | null; body: any} {
  const frame = fs.readFileSync(path.join(FIXTURES, name))
  expect(frame.readInt32BE(0)).toBe(frame.length - 4)
  const reader = new Reader(frame, 4)
  const header = decodeRequestHeader(reader)
  const body = decodeBody(header.apiKey, reader, header.apiVersion)
  expect(reader.remaining, `${name}: bytes left after decoding`).toBe(0)
  return {...header, body}
}

describe('requests captured from kcat and kafka-python', () => {
  const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.bin'))

  it('has fixtures from both clients, and every one decodes completely with a supported version', () => {
    expect(files.filter((f) => f.startsWith('kcat-')).length).toBeGreaterThanOrEqual(10)
    expect(files.filter((f) => f.startsWith('kafka-python-')).length).toBeGreaterThanOrEqual(10)
    for (const file of files) {
      const {apiKey, apiVersion} = decodeFixture(file)
      expect(isSupported(apiKey, apiVersion), file).toBe(true)
    }
  })

  it('the versions the clients send, as docs/serve.md lists them ("What the clients send")', () => {
    const versions = (client: string) => Object.fromEntries(files.filter((f) => f.startsWith(client)).map((f) => /api(\d+)-v(\d+)/.exec(f)!.slice(1).map(Number)).map(([k, v]) => [`${k}v${v}`, true]))
    expect(Object.keys(versions('kcat-'))).toEqual(expect.arrayContaining(['18v3', '3v4', '0v7', '2v2', '1v11', '10v2', '11v5']))
    expect(Object.keys(versions('kafka-python-'))).toEqual(expect.arrayContaining(['18v0', '3v0', '3v1', '0v7', '2v1', '1v4', '10v0', '11v2']))
  })

  it('SASL: kcat SaslHandshake v1 + SaslAuthenticate v0, kafkajs v1 + v1, kafka-python SaslHandshake v0 (its token comes bare)', () => {
    for (const file of ['kcat-api17-v1.bin', 'kafkajs-api17-v1.bin', 'kafka-python-api17-v0.bin']) expect(decodeFixture(file).body).toEqual({mechanism: 'PLAIN'})
    for (const file of ['kcat-api36-v0.bin', 'kafkajs-api36-v1.bin']) expect(decodeFixture(file).body.authBytes.toString()).toBe('\0alice\0s3cret')
  })

  it('admin requests of kafka-python and kafkajs: CreatePartitions, AlterConfigs, DeleteGroups v1; kafkajs DeleteRecords v1', () => {
    expect(decodeFixture('kafka-python-api37-v1.bin').body).toEqual({topics: [{name: 'cap', count: 3, assignments: null}], timeoutMs: 30000, validateOnly: false})
    expect(decodeFixture('kafkajs-api37-v1.bin').body).toMatchObject({topics: [{name: 'cap', count: 4, assignments: null}], validateOnly: false})
    expect(decodeFixture('kafka-python-api33-v1.bin').body).toEqual({resources: [{resourceType: 2, resourceName: 'cap', configs: [{name: 'retention.ms', value: '3600000'}]}], validateOnly: false})
    expect(decodeFixture('kafkajs-api33-v1.bin').body).toEqual({resources: [{resourceType: 2, resourceName: 'cap', configs: [{name: 'retention.ms', value: '7200000'}]}], validateOnly: false})
    for (const file of ['kafka-python-api42-v1.bin', 'kafkajs-api42-v1.bin']) expect(decodeFixture(file).body).toEqual({groupsNames: ['nosuch']})
    expect(decodeFixture('kafkajs-api21-v1.bin').body).toMatchObject({topics: [{name: 'cap', partitions: [{partitionIndex: 0, offset: 1}]}]})
  })

  it('kcat ApiVersions v3 is flexible: compact strings and tagged fields', () => {
    const {clientId, body} = decodeFixture('kcat-api18-v3.bin')
    expect(clientId).toBe('rdkafka')
    expect(body).toEqual({clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2'})
  })

  it("kafka-python's Produce v7 carries the batch of the design notes' test vector (CRC 9f657a99)", () => {
    const {body} = decodeFixture('kafka-python-api0-v7.bin')
    expect(body.acks).toBe(1)
    const records: Buffer = body.topicData[0].partitionData[0].records
    expect(records.length).toBe(81)
    expect(records.readUInt32BE(17).toString(16)).toBe('9f657a99')
  })

  it('kcat JoinGroup v5 offers range and roundrobin with a decodable subscription', () => {
    const {body} = decodeFixture('kcat-api11-v5.bin')
    expect(body.protocolType).toBe('consumer')
    expect(body.protocols.map((p: {name: string}) => p.name)).toEqual(['range', 'roundrobin'])
    expect(decodeSubscriptionTopics(body.protocols[0].metadata)).toEqual(['cap'])
  })

  it('kcat Fetch v11 and kafka-python Fetch v4 ask for partition 0 of the topic', () => {
    for (const file of ['kcat-api1-v11.bin', 'kafka-python-api1-v4.bin']) {
      const {body} = decodeFixture(file)
      expect(body.topics[0].topic).toBe('cap')
      expect(body.topics[0].partitions[0].partition).toBe(0)
      expect(body.topics[0].partitions[0].partitionMaxBytes).toBeGreaterThan(0)
    }
  })
})

describe('Reader and Writer', () => {
  it('round-trip every primitive, classic and compact', () => {
    const w = new Writer(4)
    w.int8(-5).bool(true).int16(-300).int32(-70000).int64(-2).int64(2 ** 52 + 7).uvarint(300).string('héllo').string(null).string('x', true).string(null, true)
    w.bytes(Buffer.from([1, 2, 3])).bytes(null).bytes(Buffer.from([9]), true).array([1, 2], (ww, n) => ww.int32(n)).array(null, () => {}).array([7], (ww, n) => ww.int16(n), true).taggedFields()
    const r = new Reader(Buffer.from(w.toBuffer()))
    expect([r.int8(), r.bool(), r.int16(), r.int32(), r.int64(), r.int64(), r.uvarint()]).toEqual([-5, true, -300, -70000, -2, 2 ** 52 + 7, 300])
    expect([r.string(), r.nullableString(), r.string(true), r.nullableString(true)]).toEqual(['héllo', null, 'x', null])
    expect([...r.bytes()]).toEqual([1, 2, 3])
    expect(r.nullableBytes()).toBeNull()
    expect([...r.bytes(true)]).toEqual([9])
    expect(r.int32Array()).toEqual([1, 2])
    expect(r.nullableArray((x) => x.int32())).toBeNull()
    expect(r.array((x) => x.int16(), true)).toEqual([7])
    r.taggedFields()
    expect(r.remaining).toBe(0)
  })

  it('a truncated field or an impossible length is a ProtocolError, never a read past the buffer', () => {
    expect(() => new Reader(Buffer.from([0, 5, 0x61])).string()).toThrow(ProtocolError)
    expect(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).array((r) => r.int8())).toThrow(ProtocolError)
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint()).toThrow(ProtocolError)
    expect(() => new Reader(Buffer.from([0, 0, 0])).int32()).toThrow(ProtocolError)
  })
})

describe('responses', () => {
  it('ApiVersions v3: header v0 (no tagged fields), compact array of N+1, tagged fields per entry and at the end', () => {
    const w = startResponse({apiKey: 18, apiVersion: 3, correlationId: 7, clientId: 'x'})
    encode(ApiVersions.response, {errorCode: 0, apiKeys: [{apiKey: 0, minVersion: 3, maxVersion: 7}]}, 3, w)
    expect(finishFrame(w).toString('hex')).toBe(['00000013', '00000007', '0000', '02', '0000' + '0003' + '0007' + '00', '00000000', '00'].join(''))
  })

  it('ApiVersions advertises Produce v0-11 as Kafka 4.0 does (librdkafka < 2.11.1 compresses only then), while v0-2 stay unsupported', () => {
    expect(ADVERTISED.find((r) => r.apiKey === 0)).toEqual({apiKey: 0, minVersion: 0, maxVersion: 11})
    expect([0, 1, 2, 3, 7, 11, 12].map((v) => isSupported(0, v))).toEqual([false, false, false, true, true, true, false])
    expect(ADVERTISED.filter((r) => r.apiKey !== 0)).toEqual(SUPPORTED.filter((r) => r.apiKey !== 0))
  })

  it('ApiVersions advertises version 0 for every group API (librdkafka 2.0.2 enables groups on exact ranges)', () => {
    for (const key of [10, 11, 12, 13, 14]) expect(SUPPORTED.find((r) => r.apiKey === key)?.minVersion).toBe(0)
    expect(isSupported(0, 3) && isSupported(1, 4) && isSupported(1, 11)).toBe(true)
  })

  it('Metadata v0 and v4 lay out brokers, controller and topics per version', () => {
    const response = {brokers: [{nodeId: 0, host: 'h', port: 9092, rack: null}], clusterId: 'c', controllerId: 0, topics: [{errorCode: 0, name: 't', partitions: [{errorCode: 0, partitionIndex: 0, leaderId: 0, replicaNodes: [0], isrNodes: [0]}]}]}
    const v0 = encode(Metadata.response, response, 0)
    expect(v0.toBuffer().toString('hex')).toBe('00000001' + '00000000' + '000168' + '00002384' + '00000001' + '0000' + '000174' + '00000001' + '0000' + '00000000' + '00000000' + '0000000100000000' + '0000000100000000')
    const v4 = encode(Metadata.response, response, 4)
    const r = new Reader(Buffer.from(v4.toBuffer()))
    expect([r.int32(), r.int32(), r.int32(), r.string(), r.int32(), r.nullableString(), r.string(), r.int32()]).toEqual([0, 1, 0, 'h', 9092, null, 'c', 0])
  })

  it('SaslHandshake lists mechanisms; SaslAuthenticate v1 adds session_lifetime_ms 0 (no re-authentication)', () => {
    const handshake = encode(SaslHandshake.response, {errorCode: 0, mechanisms: ['PLAIN']}, 1)
    expect(handshake.toBuffer().toString('hex')).toBe('0000' + '00000001' + '0005' + Buffer.from('PLAIN').toString('hex'))
    const v0 = encode(SaslAuthenticate.response, {errorCode: 58, errorMessage: 'no', authBytes: Buffer.alloc(0)}, 0)
    expect(v0.toBuffer().toString('hex')).toBe('003a' + '0002' + '6e6f' + '00000000')
    const v1 = encode(SaslAuthenticate.response, {errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0}, 1)
    expect(v1.toBuffer().toString('hex')).toBe('0000' + 'ffff' + '00000000' + '0000000000000000')
    // v2 is flexible: compact nullable string (0 = null), compact bytes (1 = empty), then tagged fields.
    const v2 = encode(SaslAuthenticate.response, {errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0}, 2)
    expect(v2.toBuffer().toString('hex')).toBe('0000' + '00' + '01' + '0000000000000000' + '00')
  })

  it('IncrementalAlterConfigs v1 responses are compact with tagged fields; v0 classic', () => {
    const result = {throttleTimeMs: 0, responses: [{errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't'}]}
    const v1 = encode(IncrementalAlterConfigs.response, result, 1)
    expect(v1.toBuffer().toString('hex')).toBe('00000000' + '02' + '0000' + '00' + '02' + '0274' + '00' + '00')
    const v0 = encode(IncrementalAlterConfigs.response, result, 0)
    expect(v0.toBuffer().toString('hex')).toBe('00000000' + '00000001' + '0000' + 'ffff' + '02' + '000174')
  })

  it('consumer assignments round-trip, and an empty one is still a valid encoding', () => {
    const assignment = new Map([['a', [0, 2]], ['b', [1]]])
    expect(decodeAssignment(encodeAssignment(assignment))).toEqual(assignment)
    const empty = encodeAssignment(new Map())
    expect(empty.length).toBeGreaterThan(0)
    expect(decodeAssignment(empty).size).toBe(0)
  })
})
