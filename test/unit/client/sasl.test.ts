/** SCRAM against the worked example of RFC 7677 (section 3), and PLAIN's single token. */
import {describe, expect, it} from 'vitest'
import {ScramClient, saslExchange} from '../../../src/client/sasl.js'

describe('SCRAM-SHA-256 (RFC 7677, section 3)', () => {
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'

  it('sends the RFC\'s client-first and client-final messages for user/pencil and its nonce', () => {
    const client = new ScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO')
    expect(client.clientFirst()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO')
    expect(client.clientFinal(serverFirst)).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
  })

  it('accepts the RFC\'s server signature and refuses a wrong one', () => {
    const client = new ScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO')
    client.clientFinal(serverFirst)
    expect(() => client.verifyServerFinal('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).not.toThrow()
    expect(() => client.verifyServerFinal('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).toThrow(/signature is wrong/)
    expect(() => client.verifyServerFinal('e=invalid-proof')).toThrow(/refused: invalid-proof/)
  })

  it('refuses a server nonce that does not extend the client\'s', () => {
    const client = new ScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO')
    expect(() => client.clientFinal('r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')).toThrow(/not valid/)
  })

  it('escapes = and , in the user name', () => {
    expect(new ScramClient('sha512', 'a=b,c', 'x', 'N').clientFirst()).toBe('n,,n=a=3Db=2Cc,r=N')
  })
})

describe('PLAIN', () => {
  it('is one token: NUL user NUL password', async () => {
    const sent: Buffer[] = []
    await saslExchange({mechanism: 'PLAIN', username: 'alice', password: 's3cret'}, async (token) => {
      sent.push(token)
      return Buffer.alloc(0)
    })
    expect(sent).toEqual([Buffer.from('\0alice\0s3cret')])
  })
})
