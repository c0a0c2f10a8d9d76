/**
 * Every declaration in src/protocol/apis against Kafka 4.1.1's own message definitions
 * (fixtures/kafka-4.1.1-messages.json, distilled from kafka-clients by
 * scripts/extract-kafka-messages.mjs): at every version strom serves, the same fields in the same
 * order, with the same types, nullability and tags, and the same first flexible version. The
 * served range must lie within Kafka's validVersions, so strom never serves a version Kafka 4 no
 * longer defines, except the old minima kept on purpose for older clients (BELOW_KAFKA).
 */
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {APIS} from '../../../src/protocol/apis/index.js'
import {type Field, type MessageSchema, inRange, versions} from '../../../src/protocol/schema.js'

interface KafkaField {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  tag?: number
  taggedVersions?: string
  default?: string
  fields?: KafkaField[]
}

interface KafkaMessage {
  apiKey: number
  validVersions: string
  flexibleVersions: string
  fields: KafkaField[]
  commonStructs: Record<string, KafkaField[]>
}

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'kafka-4.1.1-messages.json')
const KAFKA: Record<string, KafkaMessage> = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))

const PRIMITIVES = new Set(['int8', 'int16', 'int32', 'int64', 'uint16', 'float64', 'bool', 'string', 'bytes', 'records', 'uuid'])

/** One field as it is on the wire at one version, comparable between the two sides. */
interface WireField {
  name: string
  type: string
  nullable: boolean
  tag: number | undefined
  default?: string
  fields?: WireField[]
}

/**
 * Versions Kafka 4 dropped (KIP-896) that strom still serves, and why (api-keys.ts): librdkafka
 * enables its group support only if the group APIs include version 0, and kafka-python 2.0.2 sends
 * ListOffsets and OffsetFetch at their oldest versions. Their layout is not in Kafka 4's
 * definitions, so only the versions Kafka still defines are compared.
 */
const BELOW_KAFKA: Record<string, number> = {ListOffsets: 0, OffsetCommit: 0, OffsetFetch: 0}

/** Kafka fields strom's declarations name otherwise (names are not on the wire): Kafka's name → strom's. */
const RENAMED: Record<string, string> = {generationIdOrMemberEpoch: 'generationId'}

const camel = (name: string) => {
  const name0 = name[0].toLowerCase() + name.slice(1)
  return RENAMED[name0] ?? name0
}

function kafkaWire(fields: KafkaField[], common: Record<string, KafkaField[]>, version: number, flexible: boolean): WireField[] {
  return fields
    .filter((f) => inRange(versions(f.versions), version))
    .map((f) => {
      const element = f.type.startsWith('[]') ? f.type.slice(2) : f.type
      const isPrimitive = PRIMITIVES.has(element)
      const sub = f.fields ?? common[element]
      if (!isPrimitive && sub === undefined) throw new Error(`unknown Kafka type ${f.type} of ${f.name}`)
      const tagged = flexible && f.tag !== undefined && inRange(versions(f.taggedVersions!), version)
      const out: WireField = {
        name: camel(f.name),
        type: isPrimitive ? f.type : f.type.startsWith('[]') ? '[]struct' : 'struct',
        nullable: f.nullableVersions !== undefined && inRange(versions(f.nullableVersions), version),
        tag: tagged ? f.tag : undefined,
      }
      // A tagged field is written only when it differs from its default: both sides must agree on it.
      if (tagged && isPrimitive && f.default !== undefined) out.default = f.default
      if (!isPrimitive) out.fields = kafkaWire(sub!, common, version, flexible)
      return out
    })
}

function declaredWire(fields: readonly Field[], version: number, flexible: boolean): WireField[] {
  return fields
    .filter((f) => inRange(f.versions, version))
    .map((f) => {
      const tagged = flexible && f.tag !== undefined && inRange(f.tagged, version)
      const out: WireField = {name: f.name, type: f.type, nullable: inRange(f.nullable, version), tag: tagged ? f.tag : undefined}
      if (tagged && f.fields === undefined && f.default !== undefined) out.default = String(f.default)
      if (f.fields !== undefined) out.fields = declaredWire(f.fields, version, flexible)
      return out
    })
}

/** Kafka's JSON leaves out defaults that are the type's own; drop those on both sides before comparing. */
function normalise(fields: WireField[]): WireField[] {
  return fields.map((f) => {
    const out: WireField = {...f, fields: f.fields === undefined ? undefined : normalise(f.fields)}
    if (out.default === '0' || out.default === 'false' || out.default === '') delete out.default
    if (out.fields === undefined) delete out.fields
    return out
  })
}

function compare(declared: MessageSchema, kafka: KafkaMessage, version: number): void {
  const flexible = version >= declared.flexibleFrom
  expect(flexible, `${declared.name} v${version}: flexible`).toBe(kafka.flexibleVersions !== 'none' && inRange(versions(kafka.flexibleVersions), version))
  expect(normalise(declaredWire(declared.fields, version, flexible)), `${declared.name} v${version}`).toEqual(normalise(kafkaWire(kafka.fields, kafka.commonStructs, version, flexible)))
}

describe('declarations match Kafka 4.1.1 message definitions', () => {
  for (const api of APIS) {
    it(`${api.name} (key ${api.key}) v${api.minVersion}-${api.maxVersion}`, () => {
      const request = KAFKA[`${api.name}Request`]
      const response = KAFKA[`${api.name}Response`]
      expect(request?.apiKey, `${api.name}Request in Kafka's definitions`).toBe(api.key)
      const valid = versions(request.validVersions)
      expect(api.minVersion, `${api.name}: lowest version Kafka 4.1.1 defines is ${valid.min}`).toBeGreaterThanOrEqual(BELOW_KAFKA[api.name] ?? valid.min)
      expect(api.maxVersion, `${api.name}: highest version Kafka 4.1.1 defines is ${valid.max}`).toBeLessThanOrEqual(valid.max)
      for (let v = Math.max(api.minVersion, valid.min); v <= api.maxVersion; v++) {
        compare(api.request, request, v)
        compare(api.response, response, v)
      }
    })
  }
})
