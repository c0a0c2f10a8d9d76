/**
 * The client side of SASL PLAIN (RFC 4616) and SCRAM-SHA-256/512 (RFC 5802, RFC 7677), as Kafka
 * runs them inside SaslAuthenticate requests. Each mechanism is a short exchange of tokens: `send`
 * carries one token to the broker and returns its answer.
 */
import crypto from 'node:crypto'

export interface SaslCredentials {
  /** Kafka's mechanism names: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  username: string
  password: string
}

export async function saslExchange(credentials: SaslCredentials, send: (token: Buffer) => Promise<Buffer>): Promise<void> {
  if (credentials.mechanism === 'PLAIN') {
    // authzid NUL authcid NUL passwd, with an empty authzid (act as the user who logs in).
    await send(Buffer.from(`\0${credentials.username}\0${credentials.password}`, 'utf8'))
    return
  }
  const scram = new ScramClient(credentials.mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512', credentials.username, credentials.password)
  const serverFirst = await send(Buffer.from(scram.clientFirst(), 'utf8'))
  const serverFinal = await send(Buffer.from(scram.clientFinal(serverFirst.toString('utf8')), 'utf8'))
  scram.verifyServerFinal(serverFinal.toString('utf8'))
}

/**
 *   client-first  = "n,," "n=" user ",r=" client-nonce
 *   server-first  = "r=" client-nonce server-nonce ",s=" base64(salt) ",i=" iterations
 *   client-final  = "c=biws,r=" nonce ",p=" base64(ClientKey XOR HMAC(StoredKey, AuthMessage))
 *   server-final  = "v=" base64(HMAC(ServerKey, AuthMessage))   (or "e=" error)
 * with SaltedPassword = PBKDF2(password, salt, iterations), ClientKey = HMAC(SaltedPassword, "Client Key"),
 * StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key").
 */
export class ScramClient {
  private readonly clientFirstBare: string
  private authMessage = ''
  private serverKey: Buffer | undefined

  constructor(private readonly hash: 'sha256' | 'sha512', username: string, private readonly password: string, private readonly nonce = crypto.randomBytes(24).toString('base64')) {
    // "=" and "," in a user name are escaped as =3D and =2C (RFC 5802, 5.1).
    this.clientFirstBare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`
  }

  clientFirst(): string {
    return `n,,${this.clientFirstBare}`
  }

  clientFinal(serverFirst: string): string {
    const fields = parseScram(serverFirst)
    if (fields.e !== undefined) throw new Error(`SCRAM login refused: ${fields.e}`)
    const nonce = fields.r
    const salt = fields.s
    const iterations = Number(fields.i)
    if (nonce === undefined || !nonce.startsWith(this.nonce) || salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
      throw new Error(`SCRAM: the broker's first message is not valid: ${serverFirst}`)
    }
    const keyLength = this.hash === 'sha256' ? 32 : 64
    const salted = crypto.pbkdf2Sync(this.password, Buffer.from(salt, 'base64'), iterations, keyLength, this.hash)
    const clientKey = crypto.createHmac(this.hash, salted).update('Client Key').digest()
    const storedKey = crypto.createHash(this.hash).update(clientKey).digest()
    this.serverKey = crypto.createHmac(this.hash, salted).update('Server Key').digest()
    const withoutProof = `c=biws,r=${nonce}`
    this.authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`
    const signature = crypto.createHmac(this.hash, storedKey).update(this.authMessage).digest()
    const proof = Buffer.alloc(clientKey.length)
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i]
    return `${withoutProof},p=${proof.toString('base64')}`
  }

  /** The broker proves it knows the password too; a wrong signature is an impostor. */
  verifyServerFinal(serverFinal: string): void {
    const fields = parseScram(serverFinal)
    if (fields.e !== undefined) throw new Error(`SCRAM login refused: ${fields.e}`)
    const expected = crypto.createHmac(this.hash, this.serverKey!).update(this.authMessage).digest('base64')
    if (fields.v !== expected) throw new Error('SCRAM: the broker\'s signature is wrong (it does not know the password)')
  }
}

function parseScram(message: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const part of message.split(',')) {
    const at = part.indexOf('=')
    if (at > 0) fields[part.slice(0, at)] = part.slice(at + 1)
  }
  return fields
}
