/**
 * SASL PLAIN (RFC 4616): the client sends `authzid NUL authcid NUL password` in one message. The
 * authorisation identity must be empty or equal to the user, since there are no roles to act as.
 */
import crypto from 'node:crypto'
import {printable} from '../printable.js'
import {UserTable, passwordDigest} from './users-file.js'

export type PlainResult = {ok: true; user: string} | {ok: false; user: string | undefined; reason: string}

/** Compared against when the user is unknown, so an unknown name costs the same time as a wrong password. */
const NO_SUCH_USER = crypto.randomBytes(32)

export function authenticatePlain(users: UserTable, token: Buffer): PlainResult {
  const parts = token.toString('utf8').split('\0')
  if (parts.length !== 3) return {ok: false, user: undefined, reason: 'malformed PLAIN token (expected authzid NUL user NUL password)'}
  const [authzid, user, password] = parts
  const expected = users.get(user)
  const matches = crypto.timingSafeEqual(passwordDigest(password), expected ?? NO_SUCH_USER)
  if (expected === undefined || !matches) return {ok: false, user, reason: `invalid user name or password for '${printable(user)}'`}
  if (authzid !== '' && authzid !== user) return {ok: false, user, reason: `user '${printable(user)}' may not act as '${printable(authzid)}'`}
  return {ok: true, user}
}
