/**
 * The `--sasl-users` file: who may connect to `strom serve`, one `user:password` per line.
 *
 *   # comments start with '#'; blank lines are ignored
 *   alice:s3cret
 *   bob:pa:ss:word        # NOT a comment: everything after the first ':' is the password
 *
 * Only the first ':' separates: passwords may contain ':' and '#'. Names may not contain ':' or
 * white space. A trailing CR (a file written on Windows) is dropped. Passwords are kept only as
 * SHA-256 digests in memory, so every comparison takes the same time whatever the lengths.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import {StromError} from '../../core/errors.js'

export type UserTable = ReadonlyMap<string, Buffer>

const USER_NAME = /^[^\s:]+$/

export function passwordDigest(password: string): Buffer {
  return crypto.createHash('sha256').update(password, 'utf8').digest()
}

export function loadUsersFile(file: string): UserTable {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message
    throw new StromError('INVALID_ARGUMENT', `cannot read --sasl-users file '${file}': ${why}`, {hint: 'give a readable file with one user:password per line'})
  }
  return parseUsers(text, file)
}

/** `source` names the file in error messages. */
export function parseUsers(text: string, source: string): UserTable {
  const users = new Map<string, Buffer>()
  const lineOf = new Map<string, number>()
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    const lineNo = index + 1
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const colon = line.indexOf(':')
    const bad = (why: string): never => {
      throw new StromError('INVALID_ARGUMENT', `${source} line ${lineNo}: ${why}`, {hint: "each line is user:password (a '#' line is a comment)"})
    }
    if (colon < 0) bad("no ':' between user and password")
    const user = line.slice(0, colon)
    const password = line.slice(colon + 1)
    if (!USER_NAME.test(user)) bad(user === '' ? 'empty user name' : `user name '${user}' contains white space`)
    if (password === '') bad(`empty password for user '${user}'`)
    const earlier = lineOf.get(user)
    if (earlier !== undefined) bad(`user '${user}' is already defined on line ${earlier}`)
    users.set(user, passwordDigest(password))
    lineOf.set(user, lineNo)
  })
  if (users.size === 0) throw new StromError('INVALID_ARGUMENT', `${source} defines no users`, {hint: 'add one user:password per line'})
  return users
}
