/**
 * Every declared message at every declared version: random values within the declared types
 * survive encode → decode (fields absent in the version come back as their defaults), and random
 * or truncated bytes make decode throw ProtocolError and nothing else.
 */
import {describe, expect, it} from 'vitest'
import {APIS} from '../../../src/protocol/apis/index.js'
import {type Field, type MessageSchema, type Primitive, ProtocolError, type Struct, decode, defaultValue, encode, inRange} from '../../../src/protocol/schema.js'

/** A small deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomPrimitive(type: Primitive, r: () => number): unknown {
  const int = (bits: number) => Math.floor(r() * 2 ** bits) - 2 ** (bits - 1)
  switch (type) {
    case 'int8':
      return int(8)
    case 'int16':
      return int(16)
    case 'int32':
    case 'varint':
      return int(32)
    case 'int64':
      return Math.floor((r() - 0.5) * 2 ** 53)
    case 'uint16':
      return Math.floor(r() * 65536)
    case 'uvarint':
      return Math.floor(r() * 2 ** 31)
    case 'float64':
      return (r() - 0.5) * 1e6
    case 'bool':
      return r() < 0.5
    case 'uuid':
      return Buffer.from(Array.from({length: 16}, () => Math.floor(r() * 256))).toString('hex')
    case 'string':
      return ['', 'a', 'topic-ü', 'x'.repeat(Math.floor(r() * 300))][Math.floor(r() * 4)]
    case 'bytes':
    case 'records':
      return Buffer.from(Array.from({length: Math.floor(r() * 40)}, () => Math.floor(r() * 256)))
  }
}

function randomStruct(fields: readonly Field[], version: number, r: () => number, depth: number): Struct {
  const out: Struct = {}
  for (const f of fields) if (inRange(f.versions, version)) out[f.name] = randomValue(f, version, r, depth)
  return out
}

function randomValue(f: Field, version: number, r: () => number, depth: number): unknown {
  if (inRange(f.nullable, version) && r() < 0.2) return null
  if (f.type === 'struct') return randomStruct(f.fields!, version, r, depth + 1)
  if (f.type.startsWith('[]')) {
    const n = depth > 3 ? 0 : Math.floor(r() * 3)
    return Array.from({length: n}, () => (f.type === '[]struct' ? randomStruct(f.fields!, version, r, depth + 1) : randomPrimitive(f.type.slice(2) as Primitive, r)))
  }
  return randomPrimitive(f.type as Primitive, r)
}

/** What decode must give back: the value with every field absent in this version set to its default. */
function expected(fields: readonly Field[], value: Struct, version: number): Struct {
  const out: Struct = {}
  for (const f of fields) {
    const v = inRange(f.versions, version) ? value[f.name] : defaultValue(f)
    if (f.type === 'struct' && v !== null && inRange(f.versions, version)) out[f.name] = expected(f.fields!, v, version)
    else if (f.type === '[]struct' && Array.isArray(v)) out[f.name] = v.map((item: Struct) => expected(f.fields!, item, version))
    else out[f.name] = v
  }
  return out
}

const cases: Array<[string, MessageSchema, number]> = []
for (const api of APIS) for (let v = api.minVersion; v <= api.maxVersion; v++) for (const m of [api.request, api.response]) cases.push([`${m.name} v${v}`, m, v])

describe('declared messages', () => {
  it.each(cases)('%s round-trips random values', (_name, schema, version) => {
    const r = rng(version * 7919 + schema.name.length)
    for (let i = 0; i < 30; i++) {
      const value = randomStruct(schema.fields, version, r, 0)
      const bytes = Buffer.from(encode(schema, value, version).toBuffer())
      const decoded = decode(schema, bytes, version)
      expect(decoded).toEqual(expected(schema.fields, value, version))
      // Encoding what was decoded gives the same bytes (tagged fields included).
      expect(Buffer.from(encode(schema, decoded, version).toBuffer()).equals(bytes)).toBe(true)
    }
  })

  it.each(cases)('%s: random and truncated bytes throw only ProtocolError', (_name, schema, version) => {
    const r = rng(version * 104729 + schema.name.length)
    const attempt = (buf: Buffer) => {
      try {
        decode(schema, buf, version)
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError)
      }
    }
    for (let i = 0; i < 40; i++) {
      attempt(Buffer.from(Array.from({length: Math.floor(r() * 64)}, () => Math.floor(r() * 256))))
      const valid = Buffer.from(encode(schema, randomStruct(schema.fields, version, r, 0), version).toBuffer())
      attempt(valid.subarray(0, Math.floor(r() * valid.length)))
      const flipped = Buffer.from(valid)
      if (flipped.length > 0) flipped[Math.floor(r() * flipped.length)] ^= 0xff
      attempt(flipped)
    }
  })

  it('refuses a count larger than the bytes left, before allocating', () => {
    const metadata = APIS.find((a) => a.name === 'Metadata')!
    // v1 topics array claiming 2^31-1 elements in a 4-byte body.
    expect(() => decode(metadata.request, Buffer.from([0x7f, 0xff, 0xff, 0xff]), 1)).toThrow(ProtocolError)
    // v9 (flexible): compact array claiming 2^28 elements.
    expect(() => decode(metadata.request, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01]), 9)).toThrow(ProtocolError)
  })

  it('skips unknown tagged fields and reads known ones', () => {
    const fetch = APIS.find((a) => a.name === 'Fetch')!
    const value = {responses: [{topic: 't', topicId: '0'.repeat(32), partitions: [{partitionIndex: 0, errorCode: 0, highWatermark: 5, currentLeader: {leaderId: 1, leaderEpoch: 2}, records: Buffer.alloc(0)}]}]}
    const bytes = Buffer.from(encode(fetch.response, value, 12).toBuffer())
    const decoded = decode(fetch.response, bytes, 12)
    expect(decoded.responses[0].partitions[0].currentLeader).toEqual({leaderId: 1, leaderEpoch: 2})
    expect(decoded.responses[0].partitions[0].divergingEpoch).toEqual({epoch: -1, endOffset: -1})
  })
})
