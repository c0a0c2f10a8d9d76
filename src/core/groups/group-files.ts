/**
 * Encoding and strict decoding of a group's two JSON files, state.json and offsets.json.
 *
 * Version 2 (written since strom 0.1 + checksums) adds a last field "crc32c": the CRC-32C, as 8
 * lowercase hex digits, of the file's object without that field, serialised compactly by
 * JSON.stringify (keys in the order written; a parse and re-stringify gives the same bytes):
 *
 *   {"version":2,"offsets":{...},"crc32c":"1a2b3c4d"}
 *
 * Version 1 files (no checksum) are still read, strictly validated. A file that fails its checksum
 * or its validation is never read as "no offsets": a group reading from a damaged offsets.json would
 * start partitions elsewhere and silently skip or repeat data, so it is an error naming the file and
 * how to fix it.
 */
import fs from 'node:fs'
import {StromError} from '../errors.js'
import {crc32c} from '../format/crc32c.js'
import {writeJsonAtomic} from '../io/atomic-file.js'

export const GROUP_FILE_VERSION = 2

export type GroupFileKind = 'state' | 'offsets'

/** The object as written: the payload, then its checksum. */
export function withChecksum<T extends object>(payload: T): T & {crc32c: string} {
  return {...payload, crc32c: checksumOf(payload)}
}

function checksumOf(payload: object): string {
  return crc32c(Buffer.from(JSON.stringify(payload))).toString(16).padStart(8, '0')
}

export function writeGroupFile(file: string, payload: object): void {
  // A state read back carries no checksum field (decode strips it); drop one anyway so it is never summed.
  const rest = {...payload, version: GROUP_FILE_VERSION} as Record<string, unknown>
  delete rest.crc32c
  writeJsonAtomic(file, withChecksum(rest))
}

/** Why a group file cannot be trusted (thrown by readGroupFile, collected by `log verify`). */
export class GroupFileDamage extends StromError {
  constructor(readonly file: string, readonly fileKind: GroupFileKind, readonly reason: string, group: string) {
    super('CORRUPT_GROUP_FILE', `${file} is damaged: ${reason}`, {hint: repairHint(fileKind, file, group), details: {file, reason}})
  }
}

function repairHint(kind: GroupFileKind, file: string, group: string): string {
  return kind === 'offsets'
    ? `the committed offsets of group '${group}' cannot be trusted: stop its consumers, move the file aside (mv ${file} ${file}.damaged), then set the offsets again with \`strom offsets reset ${group} --topic T --to-offset N --execute\` (the damaged file may still show the old values)`
    : `state.json holds only membership, not offsets: stop the group's consumers, delete ${file}, and start them again`
}

/**
 * Reads and checks one group file; undefined when it does not exist. `validate` throws a string
 * describing the first problem of the parsed (checksum-verified) object.
 */
export function readGroupFile<T>(file: string, kind: GroupFileKind, group: string, validate: (value: Record<string, unknown>) => T): T | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return decodeGroupFile(text, file, kind, group, validate)
}

export function decodeGroupFile<T>(text: string, file: string, kind: GroupFileKind, group: string, validate: (value: Record<string, unknown>) => T): T {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new GroupFileDamage(file, kind, text.trim() === '' ? 'the file is empty' : `not valid JSON (${(error as Error).message})`, group)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GroupFileDamage(file, kind, 'not a JSON object', group)
  const {crc32c: stored, ...object} = value as Record<string, unknown>
  const version = object.version
  if (!Number.isSafeInteger(version) || (version as number) < 1) throw new GroupFileDamage(file, kind, `bad "version" ${JSON.stringify(version)}`, group)
  if ((version as number) > GROUP_FILE_VERSION) {
    throw new StromError('FORMAT_VERSION', `${file} has version ${version}, newer than this strom understands (${GROUP_FILE_VERSION})`, {hint: 'upgrade strom'})
  }
  if ((version as number) >= 2) {
    if (typeof stored !== 'string') throw new GroupFileDamage(file, kind, 'the "crc32c" checksum field is missing', group)
    const actual = checksumOf(object)
    if (stored !== actual) throw new GroupFileDamage(file, kind, `checksum mismatch (stored ${stored}, content gives ${actual}): a changed byte`, group)
  }
  try {
    return validate(object)
  } catch (error) {
    if (typeof error === 'string') throw new GroupFileDamage(file, kind, error, group)
    throw error
  }
}

// Validators: each throws a string naming the first field that is wrong.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function requireNonNegativeInteger(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw `${where} is ${JSON.stringify(value)}, not a non-negative integer`
  return value as number
}

export function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw `${where} is ${JSON.stringify(value)}, not a string`
  return value
}

export function requireObject(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw `${where} is not an object`
  return value
}
