/**
 * Kafka's naming rules for topics and groups, and the one guard that keeps every path inside the
 * log directory. Names are validated before they ever touch `path.join`, so `../x`, `a/b` or an
 * absolute path can never address a file outside the directory.
 */
import {StromError} from './errors.js'

export const MAX_NAME_LENGTH = 249
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/

export function validateName(kind: 'topic' | 'group', name: string): string {
  const hint = `${kind} names use only letters, digits, '.', '_' and '-', at most ${MAX_NAME_LENGTH} characters, and cannot be '.' or '..'`
  if (typeof name !== 'string' || name.length === 0) {
    throw new StromError('INVALID_NAME', `invalid ${kind} name: the name is empty`, {hint})
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new StromError('INVALID_NAME', `invalid ${kind} name: ${name.length} characters is longer than ${MAX_NAME_LENGTH}`, {hint})
  }
  if (name === '.' || name === '..') {
    throw new StromError('INVALID_NAME', `invalid ${kind} name '${name}'`, {hint})
  }
  if (!LEGAL_NAME.test(name)) {
    const bad = [...name].find((ch) => !LEGAL_NAME.test(ch)) ?? ''
    throw new StromError('INVALID_NAME', `invalid ${kind} name '${printable(name)}': character '${printable(bad)}' is not allowed`, {hint})
  }
  return name
}

export const validateTopicName = (name: string): string => validateName('topic', name)

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
