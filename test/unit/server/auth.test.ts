import {describe, expect, it} from 'vitest'
import {SaslSession} from '../../../src/server/auth/sasl-session.js'
import {authenticatePlain} from '../../../src/server/auth/sasl-plain.js'
import {parseUsers} from '../../../src/server/auth/users-file.js'
import {API} from '../../../src/server/protocol/api-keys.js'
import {ERR} from '../../../src/server/protocol/error-codes.js'

const plain = (user: string, password: string, authzid = '') => Buffer.from(`${authzid}\0${user}\0${password}`)

describe('users file', () => {
  it('reads user:password lines, comments, blank lines, CRLF; passwords keep every byte after the first colon', () => {
    const users = parseUsers('# admins\nalice:s3cret\r\n\n  # indented comment\nbob:pa:ss#word \n', 'users.txt')
    expect([...users.keys()]).toEqual(['alice', 'bob'])
    expect(authenticatePlain(users, plain('bob', 'pa:ss#word ')).ok).toBe(true)
    expect(authenticatePlain(users, plain('alice', 's3cret')).ok).toBe(true)
  })

  it.each([
    ['alice\n', "users.txt line 1: no ':' between user and password"],
    ['# c\n:pw\n', 'users.txt line 2: empty user name'],
    ['al ice:pw\n', "users.txt line 1: user name 'al ice' contains white space"],
    ['alice:\n', "users.txt line 1: empty password for user 'alice'"],
    ['alice:a\nbob:b\nalice:c\n', "users.txt line 3: user 'alice' is already defined on line 1"],
    ['# nobody\n\n', 'users.txt defines no users'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseUsers(text, 'users.txt')).toThrow(message)
  })
})

describe('SASL PLAIN', () => {
  const users = parseUsers('alice:s3cret\n', 'users')

  it('accepts the right password, with an empty or matching authzid', () => {
    expect(authenticatePlain(users, plain('alice', 's3cret'))).toEqual({ok: true, user: 'alice'})
    expect(authenticatePlain(users, plain('alice', 's3cret', 'alice')).ok).toBe(true)
  })

  it('keeps control characters of a client-chosen name out of the message (no forged log lines)', () => {
    const result = authenticatePlain(users, plain('eve\n2026-01-01T00:00:00Z connection 1: authenticated as admin', 'x'))
    expect(result.ok).toBe(false)
    expect(result.ok === false && result.reason).toBe("invalid user name or password for 'eve?2026-01-01T00:00:00Z connection 1: authenticated as admin'")
  })

  it('refuses a wrong password, an unknown user, another authzid and a malformed token', () => {
    expect(authenticatePlain(users, plain('alice', 's3cre')).ok).toBe(false)
    expect(authenticatePlain(users, plain('mallory', 's3cret')).ok).toBe(false)
    expect(authenticatePlain(users, plain('alice', 's3cret', 'root')).ok).toBe(false)
    expect(authenticatePlain(users, Buffer.from('alice s3cret')).ok).toBe(false)
  })
})

describe('SASL session', () => {
  const users = parseUsers('alice:s3cret\n', 'users')

  it('without users, everything is open and a handshake is refused', () => {
    const session = new SaslSession(undefined)
    expect(session.mayServe(API.Produce)).toBe(true)
    expect(session.handshake('PLAIN', 1)).toMatchObject({errorCode: ERR.ILLEGAL_SASL_STATE, close: true})
  })

  it('v1: handshake, then SaslAuthenticate; only ApiVersions and SASL before that', () => {
    const session = new SaslSession(users)
    expect(session.mayServe(API.ApiVersions)).toBe(true)
    expect(session.mayServe(API.Metadata)).toBe(false)
    expect(session.authenticate(plain('alice', 's3cret'), true).errorCode).toBe(ERR.ILLEGAL_SASL_STATE)
    expect(session.handshake('SCRAM-SHA-256', 1)).toMatchObject({errorCode: ERR.UNSUPPORTED_SASL_MECHANISM, close: false})
    expect(session.handshake('PLAIN', 1).errorCode).toBe(ERR.NONE)
    expect(session.expectsRawToken).toBe(false)
    expect(session.authenticate(plain('alice', 's3cret'), true).errorCode).toBe(ERR.NONE)
    expect(session.mayServe(API.Metadata)).toBe(true)
    expect(session.handshake('PLAIN', 1).errorCode).toBe(ERR.ILLEGAL_SASL_STATE)
  })

  it('v0: the next frame is the bare token; a wrong password fails with SASL_AUTHENTICATION_FAILED and closes', () => {
    const session = new SaslSession(users)
    session.handshake('PLAIN', 0)
    expect(session.expectsRawToken).toBe(true)
    const outcome = session.authenticate(plain('alice', 'nope'), false)
    expect(outcome).toMatchObject({errorCode: ERR.SASL_AUTHENTICATION_FAILED, close: true})
    expect(outcome.message).toContain('Authentication failed')
    expect(session.authenticated).toBe(false)
  })
})
