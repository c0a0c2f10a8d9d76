/**
 * Kafka messages declared as data, and one encoder/decoder for all of them.
 *
 * A message is a list of fields; each field has a type, the versions it exists in, the versions in
 * which it may be null, and (flexible versions only) an optional tag. Wire forms (KIP-482):
 *
 *   int8/16/32/64, uint16, float64   fixed-size big-endian
 *   varint / uvarint                 zigzag / unsigned LEB128 (at most 5 bytes: 32-bit values)
 *   bool                             int8, 0 or 1
 *   uuid                             16 bytes (here a 32-character lowercase hex string)
 *   string                           classic: int16 length (-1 = null) + UTF-8; flexible: uvarint length+1 (0 = null)
 *   bytes, records                   classic: int32 length (-1 = null); flexible: uvarint length+1 (0 = null)
 *   array                            classic: int32 count (-1 = null); flexible: uvarint count+1 (0 = null)
 *   struct                           its fields in order; in flexible versions followed by a tagged-field
 *                                    section: uvarint count, then per field uvarint tag, uvarint size, value
 *
 * Values are plain objects keyed by field name. Decoding fills every declared field: a field absent
 * in the version (or a tagged field not sent) gets its default. Encoding writes a missing (undefined)
 * value as the default, skips fields absent in the version, and writes tagged fields only when they
 * differ from their default. Decoding is bounded: every length and count is checked against the bytes
 * left before anything is allocated, and any malformed input throws ProtocolError, nothing else.
 */
import {ProtocolError} from './errors.js'
import {Reader} from './reader.js'
import {Writer} from './writer.js'

export {ProtocolError}

export type Primitive = 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'varint' | 'uvarint' | 'float64' | 'bool' | 'string' | 'bytes' | 'records' | 'uuid'

/** Inclusive version range; `max` is Infinity for "N+". */
export interface Versions {
  min: number
  max: number
}

export interface Field {
  name: string
  /** A primitive, an array of primitives, or 'struct' / '[]struct' with `fields`. */
  type: Primitive | `[]${Primitive}` | 'struct' | '[]struct'
  fields?: readonly Field[]
  versions: Versions
  nullable?: Versions
  tag?: number
  tagged?: Versions
  default?: unknown
}

export interface MessageSchema {
  name: string
  fields: readonly Field[]
  /** First flexible version (Infinity: none). */
  flexibleFrom: number
}

/** Decoded messages are plain objects; handlers type what they use. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Struct = Record<string, any>

const NONE: Versions = {min: Infinity, max: -Infinity}

/** '3+', '0-7', '5', 'none' → Versions. */
export function versions(spec: string): Versions {
  if (spec === 'none') return NONE
  const plus = /^(\d+)\+$/.exec(spec)
  if (plus) return {min: Number(plus[1]), max: Infinity}
  const range = /^(\d+)(?:-(\d+))?$/.exec(spec)
  if (!range) throw new Error(`bad version range '${spec}'`)
  return {min: Number(range[1]), max: Number(range[2] ?? range[1])}
}

export function inRange(range: Versions | undefined, version: number): boolean {
  return range !== undefined && version >= range.min && version <= range.max
}

interface FieldOptions {
  nullable?: string
  tag?: number
  tagged?: string
  default?: unknown
}

/** A primitive or primitive-array field: `field('name', 'string', '0+', {nullable: '1+'})`. */
export function field(name: string, type: Field['type'], versionSpec: string, options: FieldOptions = {}): Field {
  return {
    name,
    type,
    versions: versions(versionSpec),
    nullable: options.nullable === undefined ? undefined : versions(options.nullable),
    tag: options.tag,
    tagged: options.tagged === undefined ? undefined : versions(options.tagged),
    default: options.default,
  }
}

/** An array of structs. */
export function array(name: string, versionSpec: string, fields: readonly Field[], options: FieldOptions = {}): Field {
  return {...field(name, '[]struct', versionSpec, options), fields}
}

/** A single nested struct (in practice: tagged ones). */
export function struct(name: string, versionSpec: string, fields: readonly Field[], options: FieldOptions = {}): Field {
  return {...field(name, 'struct', versionSpec, options), fields}
}

export function message(name: string, flexibleFrom: string, fields: readonly Field[]): MessageSchema {
  return {name, fields, flexibleFrom: flexibleFrom === 'none' ? Infinity : versions(flexibleFrom).min}
}

// ---------------------------------------------------------------------------------------------
// Defaults

function primitiveDefault(type: Primitive): unknown {
  switch (type) {
    case 'bool':
      return false
    case 'string':
      return ''
    case 'bytes':
    case 'records':
      return Buffer.alloc(0)
    case 'uuid':
      return ZERO_UUID
    default:
      return 0
  }
}

export const ZERO_UUID = '0'.repeat(32)

export function defaultValue(f: Field): unknown {
  if (f.default !== undefined) return f.default
  if (f.type === 'struct') return defaultStruct(f.fields!)
  if (f.type.startsWith('[]')) return []
  return primitiveDefault(f.type as Primitive)
}

function defaultStruct(fields: readonly Field[]): Struct {
  const out: Struct = {}
  for (const f of fields) out[f.name] = defaultValue(f)
  return out
}

function isDefault(f: Field, value: unknown): boolean {
  if (value === undefined) return true
  const d = defaultValue(f)
  if (f.type === 'struct') return value !== null && f.fields!.every((sub) => isDefault(sub, (value as Struct)[sub.name]))
  if (Array.isArray(value)) return Array.isArray(d) && value.length === 0 && d.length === 0
  if (Buffer.isBuffer(value)) return Buffer.isBuffer(d) && value.equals(d)
  return value === d
}

// ---------------------------------------------------------------------------------------------
// Encoding

export function encode(schema: MessageSchema, value: Struct, version: number, writer = new Writer()): Writer {
  writeStruct(writer, schema.fields, value, version, version >= schema.flexibleFrom, schema.name)
  return writer
}

function isTagged(f: Field, version: number, flexible: boolean): boolean {
  return flexible && f.tag !== undefined && inRange(f.tagged, version)
}

function writeStruct(w: Writer, fields: readonly Field[], value: Struct, version: number, flexible: boolean, path: string): void {
  const tagged: Field[] = []
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue
    if (isTagged(f, version, flexible)) {
      if (!isDefault(f, value[f.name])) tagged.push(f)
      continue
    }
    const v = value[f.name]
    writeValue(w, f, v === undefined ? defaultValue(f) : v, version, flexible, path)
  }
  if (!flexible) return
  tagged.sort((a, b) => a.tag! - b.tag!)
  w.uvarint(tagged.length)
  for (const f of tagged) {
    const inner = new Writer(64)
    writeValue(inner, f, value[f.name], version, flexible, path)
    const bytes = inner.toBuffer()
    w.uvarint(f.tag!).uvarint(bytes.length).raw(bytes)
  }
}

function writeValue(w: Writer, f: Field, value: unknown, version: number, flexible: boolean, path: string): void {
  if (value === null && !inRange(f.nullable, version)) throw new Error(`${path}.${f.name} is null, but not nullable in version ${version}`)
  if (f.type === 'struct') {
    writeStruct(w, f.fields!, value as Struct, version, flexible, `${path}.${f.name}`)
    return
  }
  if (f.type.startsWith('[]')) {
    const items = value as unknown[] | null
    if (items === null) {
      if (flexible) w.uvarint(0)
      else w.int32(-1)
      return
    }
    if (flexible) w.uvarint(items.length + 1)
    else w.int32(items.length)
    if (f.type === '[]struct') for (const item of items) writeStruct(w, f.fields!, item as Struct, version, flexible, `${path}.${f.name}`)
    else for (const item of items) writePrimitive(w, f.type.slice(2) as Primitive, item, flexible)
    return
  }
  writePrimitive(w, f.type as Primitive, value, flexible)
}

function writePrimitive(w: Writer, type: Primitive, value: unknown, flexible: boolean): void {
  switch (type) {
    case 'int8':
      w.int8(value as number)
      return
    case 'int16':
      w.int16(value as number)
      return
    case 'int32':
      w.int32(value as number)
      return
    case 'int64':
      w.int64(value as number)
      return
    case 'uint16':
      w.uint16(value as number)
      return
    case 'varint':
      w.varint(value as number)
      return
    case 'uvarint':
      w.uvarint(value as number)
      return
    case 'float64':
      w.float64(value as number)
      return
    case 'bool':
      w.int8(value ? 1 : 0)
      return
    case 'uuid':
      w.uuid(value as string)
      return
    case 'string':
      w.string(value as string | null, flexible)
      return
    case 'bytes':
      w.bytes(value as Uint8Array | null, flexible)
      return
    case 'records':
      writeRecords(w, value as Uint8Array | Uint8Array[] | null, flexible)
      return
  }
}

/**
 * A records field: one buffer or several (a Fetch answer's chunks read from a segment), spliced
 * into the message by reference rather than copied (writer.ts), as bytes.
 */
function writeRecords(w: Writer, value: Uint8Array | Uint8Array[] | null, flexible: boolean): void {
  if (value === null) {
    w.bytes(null, flexible)
    return
  }
  const parts = Array.isArray(value) ? value : [value]
  let total = 0
  for (const part of parts) total += part.length
  if (flexible) w.uvarint(total + 1)
  else w.int32(total)
  for (const part of parts) w.rawRef(part)
}

// ---------------------------------------------------------------------------------------------
// Decoding

export function decode(schema: MessageSchema, buf: Buffer, version: number, offset = 0): Struct {
  const reader = new Reader(buf, offset)
  return decodeFrom(schema, reader, version)
}

/** Decodes from a reader positioned at the message body; trailing bytes are left unread. */
export function decodeFrom(schema: MessageSchema, reader: Reader, version: number): Struct {
  return readStruct(reader, schema.fields, version, version >= schema.flexibleFrom)
}

function readStruct(r: Reader, fields: readonly Field[], version: number, flexible: boolean): Struct {
  const out: Struct = {}
  for (const f of fields) {
    if (!inRange(f.versions, version) || isTagged(f, version, flexible)) out[f.name] = defaultValue(f)
    else out[f.name] = readValue(r, f, version, flexible)
  }
  if (!flexible) return out
  const count = r.uvarint()
  if (count > r.remaining) throw new ProtocolError(`${count} tagged fields cannot fit in ${r.remaining} bytes`)
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint()
    const size = r.uvarint()
    const body = r.slice(size)
    const f = fields.find((candidate) => candidate.tag === tag && isTagged(candidate, version, flexible))
    if (f === undefined) continue // unknown tags are skipped, as KIP-482 requires
    out[f.name] = readValue(body, f, version, flexible)
    if (body.remaining !== 0) throw new ProtocolError(`tagged field ${f.name} has ${body.remaining} trailing bytes`)
  }
  return out
}

function readValue(r: Reader, f: Field, version: number, flexible: boolean): unknown {
  if (f.type === 'struct') return readStruct(r, f.fields!, version, flexible)
  if (f.type.startsWith('[]')) {
    const count = flexible ? r.uvarint() - 1 : r.int32()
    if (count < 0) return nullOrThrow(f, version)
    // Every element takes at least one byte: a count beyond the bytes left is damage.
    if (count > r.remaining) throw new ProtocolError(`${f.name}: ${count} elements cannot fit in ${r.remaining} bytes`)
    const items: unknown[] = []
    if (f.type === '[]struct') for (let i = 0; i < count; i++) items.push(readStruct(r, f.fields!, version, flexible))
    else for (let i = 0; i < count; i++) items.push(readPrimitive(r, f, f.type.slice(2) as Primitive, version, flexible))
    return items
  }
  return readPrimitive(r, f, f.type as Primitive, version, flexible)
}

function nullOrThrow(f: Field, version: number): null {
  if (!inRange(f.nullable, version)) throw new ProtocolError(`${f.name} is null, but not nullable in version ${version}`)
  return null
}

function readPrimitive(r: Reader, f: Field, type: Primitive, version: number, flexible: boolean): unknown {
  switch (type) {
    case 'int8':
      return r.int8()
    case 'int16':
      return r.int16()
    case 'int32':
      return r.int32()
    case 'int64':
      return r.int64()
    case 'uint16':
      return r.uint16()
    case 'varint':
      return r.varint()
    case 'uvarint':
      return r.uvarint()
    case 'float64':
      return r.float64()
    case 'bool':
      return r.int8() !== 0
    case 'uuid':
      return r.uuid()
    case 'string': {
      const s = r.nullableString(flexible)
      return s === null ? nullOrThrow(f, version) : s
    }
    case 'bytes':
    case 'records': {
      const b = r.nullableBytes(flexible)
      return b === null ? nullOrThrow(f, version) : b
    }
  }
}
