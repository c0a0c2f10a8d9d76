/**
 * `strom serve` with SASL/PLAIN and TLS, driven by kcat (librdkafka 2.0.2), kafka-python 2.0.2 and
 * a bare socket: logins that work, logins that fail (and write nothing), clients that skip the
 * login, TLS with a throwaway self-signed certificate, SASL over TLS, and the startup errors for
 * bad users files, certificates and keys.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Reader} from '../../src/server/protocol/reader.js'
import {Writer} from '../../src/server/protocol/writer.js'
import {strom, tmpLogDir} from '../helpers/strom.js'
import {KAFKA_PYTHON, KCAT, OPENSSL, RawClient, ServeProcess, describeWithClients, kcat, python, requestFrame, selfSignedCert, startServe, usersFile} from './serve-harness.js'

const USERS = '# strom serve test users\nalice:s3cret\nbob:pa:ss word#1\n'

function sasl(user: string, password: string): string[] {
  return ['-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`]
}

async function topics(dir: string): Promise<string[]> {
  const result = await strom(dir, ['topic', 'list', '--json'])
  return (JSON.parse(result.stdout) as Array<{name: string}>).map((t) => t.name)
}

function body(write: (w: Writer) => void): Buffer {
  const w = new Writer()
  write(w)
  return Buffer.from(w.toBuffer())
}

describe('strom serve SASL/PLAIN over a bare socket', () => {
  let dir: string
  let serve: ServeProcess

  beforeAll(async () => {
    dir = tmpLogDir()
    serve = await startServe(dir, ['--sasl-users', usersFile(dir, USERS)])
  })

  afterAll(async () => {
    await serve.stop()
  })

  it('answers ApiVersions before login, and closes a connection that asks for anything else first', async () => {
    const client = new RawClient(serve.port)
    await client.connected()
    const versions = await client.request(requestFrame(18, 0, 1, Buffer.alloc(0)))
    expect(versions.readInt16BE(4)).toBe(0)
    await expect(client.request(requestFrame(3, 1, 2, body((w) => w.int32(-1))))).rejects.toThrow('connection closed')
    expect(serve.stderr()).toMatch(/api 3 before SASL authentication \(test\); closing it/)
    expect(await topics(dir)).toEqual([])
  })

  it('SaslHandshake v1 + SaslAuthenticate v1: a wrong password gets SASL_AUTHENTICATION_FAILED (58) with a message, then the connection closes', async () => {
    const client = new RawClient(serve.port)
    await client.connected()
    const handshake = new Reader(await client.request(requestFrame(17, 1, 1, body((w) => w.string('PLAIN')))), 4)
    expect(handshake.int16()).toBe(0)
    expect(handshake.array((r) => r.string())).toEqual(['PLAIN'])
    const answer = new Reader(await client.request(requestFrame(36, 1, 2, body((w) => w.bytes(Buffer.from('\0alice\0wrong'))))), 4)
    expect(answer.int16()).toBe(58)
    expect(answer.nullableString()).toMatch(/^Authentication failed: invalid user name or password/)
    await client.closed
  })

  it('SaslHandshake v1 with another mechanism: UNSUPPORTED_SASL_MECHANISM (33), listing PLAIN', async () => {
    const client = new RawClient(serve.port)
    await client.connected()
    const handshake = new Reader(await client.request(requestFrame(17, 1, 1, body((w) => w.string('SCRAM-SHA-512')))), 4)
    expect(handshake.int16()).toBe(33)
    expect(handshake.array((r) => r.string())).toEqual(['PLAIN'])
    client.close()
  })

  it('before login, a frame above 512 KiB is refused unread; random frames never get past the login nor crash the server', async () => {
    const big = new RawClient(serve.port)
    await big.connected()
    const size = Buffer.alloc(4)
    size.writeInt32BE(600 * 1024)
    big.socket.write(size)
    await big.closed
    expect(serve.stderr()).toMatch(/request size 614400 bytes is above the maximum of 524288 before SASL login; closing it/)
    let seed = 7
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
    // Failed logins are answered after 100 ms: ten connections at a time keep this short.
    const worker = async (w: number) => {
      for (let i = w; i < 300; i += 10) {
        const client = new RawClient(serve.port)
        await client.connected()
        // Half start with a valid v0 handshake, so the random bytes land where a bare token is expected.
        if (i % 2 === 0) await client.request(requestFrame(17, 0, 1, body((w) => w.string('PLAIN'))))
        const junk = Buffer.from(Array.from({length: 4 + random(64)}, () => random(256)))
        junk.writeInt32BE(junk.length - 4)
        await client.request(i % 4 < 2 ? junk : requestFrame(random(70), random(5), 2, junk), 2000).catch(() => {})
        client.close()
      }
    }
    await Promise.all(Array.from({length: 10}, (_, w) => worker(w)))
    const alive = new RawClient(serve.port)
    await alive.connected()
    expect((await alive.request(requestFrame(18, 0, 9, Buffer.alloc(0)))).readInt32BE(0)).toBe(9)
    alive.close()
    expect(serve.process.exitCode).toBeNull()
    expect(await topics(dir)).toEqual([])
  })

  it('SaslHandshake v0, then the bare token: an empty bare frame on success, and requests work after it', async () => {
    const client = new RawClient(serve.port)
    await client.connected()
    expect((await client.request(requestFrame(17, 0, 1, body((w) => w.string('PLAIN'))))).readInt16BE(4)).toBe(0)
    const token = Buffer.from('\0bob\0pa:ss word#1')
    const size = Buffer.alloc(4)
    size.writeInt32BE(token.length)
    expect((await client.request(Buffer.concat([size, token]))).length).toBe(0)
    const metadata = await client.request(requestFrame(3, 1, 3, body((w) => w.int32(-1))))
    expect(metadata.readInt32BE(0)).toBe(3)
    client.close()
  })
})

describeWithClients('strom serve SASL/PLAIN with kcat', [KCAT], () => {
  let dir: string
  let serve: ServeProcess
  const base = () => ['-b', serve.bootstrap, '-X', 'security.protocol=SASL_PLAINTEXT']

  beforeAll(async () => {
    dir = tmpLogDir()
    serve = await startServe(dir, ['--sasl-users', usersFile(dir, USERS)])
  })

  afterAll(async () => {
    await serve.stop()
  })

  it('-L, -P and -C with the right password', async () => {
    await strom(dir, ['topic', 'create', 'listed', '--partitions', '2'])
    const listed = await kcat([...base(), ...sasl('alice', 's3cret'), '-L'])
    expect(listed.exitCode, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(/topic "listed" with 2 partitions/)
    const produced = await kcat([...base(), ...sasl('bob', 'pa:ss word#1'), '-P', '-t', 'secured', '-K:'], 'k1:one\nk2:two\n')
    expect(produced.exitCode, produced.stderr).toBe(0)
    const consumed = await kcat([...base(), ...sasl('alice', 's3cret'), '-C', '-t', 'secured', '-o', 'beginning', '-e', '-f', '%k=%s\\n'])
    expect(consumed.stdout).toBe('k1=one\nk2=two\n')
    expect(serve.stderr()).toMatch(/authenticated as 'bob'/)
  })

  it('a wrong password fails (non-zero exit, authentication failure reported) and writes nothing', async () => {
    const produced = await kcat([...base(), ...sasl('alice', 'not-it'), '-X', 'message.timeout.ms=3000', '-P', '-t', 'refused'], 'sneaky\n')
    expect(produced.exitCode).not.toBe(0)
    expect(produced.stderr).toMatch(/Authentication failed: invalid user name or password/)
    const unknownUser = await kcat([...base(), ...sasl('mallory', 's3cret'), '-L', '-m', '3'])
    expect(unknownUser.exitCode).not.toBe(0)
    expect(await topics(dir)).not.toContain('refused')
    expect(serve.stderr()).toMatch(/Authentication failed: invalid user name or password for 'alice'; closing it/)
  })

  it('a client without SASL is refused', async () => {
    const listed = await kcat(['-b', serve.bootstrap, '-L', '-m', '3'])
    expect(listed.exitCode).not.toBe(0)
    const produced = await kcat(['-b', serve.bootstrap, '-X', 'message.timeout.ms=3000', '-P', '-t', 'anonymous'], 'x\n')
    expect(produced.exitCode).not.toBe(0)
    expect(await topics(dir)).not.toContain('anonymous')
  })
})

describeWithClients('strom serve SASL/PLAIN with kafka-python', [KAFKA_PYTHON], () => {
  let dir: string
  let serve: ServeProcess

  beforeAll(async () => {
    dir = tmpLogDir()
    serve = await startServe(dir, ['--sasl-users', usersFile(dir, USERS)])
  })

  afterAll(async () => {
    await serve.stop()
  })

  const client = (password: string, topic: string) => `
from kafka import KafkaProducer, KafkaConsumer
kw = dict(bootstrap_servers='${serve.bootstrap}', security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN', sasl_plain_username='alice', sasl_plain_password='${password}')
p = KafkaProducer(**kw)
p.send('${topic}', key=b'k', value=b'from kafka-python').get(timeout=10)
p.close()
c = KafkaConsumer('${topic}', auto_offset_reset='earliest', consumer_timeout_ms=3000, **kw)
print([m.value.decode() for m in c])
`

  it('produces and consumes with the right password (SaslHandshake v0 and the bare token)', async () => {
    const result = await python(client('s3cret', 'py-secured'))
    expect(result.stdout.trim(), result.stderr).toBe("['from kafka-python']")
    expect((await strom(dir, ['consume', 'py-secured'])).stdout).toBe('from kafka-python\n')
  })

  it('a wrong password fails and writes nothing', async () => {
    const result = await python(client('wrong', 'py-refused'))
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr).toMatch(/NoBrokersAvailable|AuthenticationFailed|KafkaConnectionError/)
    expect(await topics(dir)).not.toContain('py-refused')
  })
})

describeWithClients('strom serve TLS', [KCAT, KAFKA_PYTHON, OPENSSL], () => {
  let dir: string
  let cert: {cert: string; key: string}
  let tls: ServeProcess
  let saslSsl: ServeProcess

  beforeAll(async () => {
    dir = tmpLogDir()
    cert = selfSignedCert(dir)
    tls = await startServe(dir, ['--tls-cert', cert.cert, '--tls-key', cert.key])
    saslSsl = await startServe(dir, ['--tls-cert', cert.cert, '--tls-key', cert.key, '--sasl-users', usersFile(dir, USERS)])
  })

  afterAll(async () => {
    await Promise.all([tls.stop(), saslSsl.stop()])
  })

  it('SSL: kcat trusting the certificate lists, produces and consumes', async () => {
    const ssl = ['-b', tls.bootstrap, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${cert.cert}`]
    const produced = await kcat([...ssl, '-P', '-t', 'encrypted'], 'over tls\n')
    expect(produced.exitCode, produced.stderr).toBe(0)
    expect((await kcat([...ssl, '-L'])).stdout).toMatch(/topic "encrypted" with 1 partitions/)
    expect((await kcat([...ssl, '-C', '-t', 'encrypted', '-o', 'beginning', '-e'])).stdout).toBe('over tls\n')
    expect(tls.stderr()).toMatch(/\(SSL\)/)
  })

  it('SSL: a plaintext client gets nothing, and the failed handshake is a log line', async () => {
    const plain = await kcat(['-b', tls.bootstrap, '-L', '-m', '3'])
    expect(plain.exitCode).not.toBe(0)
    expect(tls.stderr()).toMatch(/TLS handshake with 127\.0\.0\.1 failed: /)
  })

  it('SASL_SSL: kcat and kafka-python log in over TLS; a wrong password and a client without SASL are refused', async () => {
    const over = ['-b', saslSsl.bootstrap, '-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${cert.cert}`]
    const produced = await kcat([...over, ...sasl('alice', 's3cret'), '-P', '-t', 'both'], 'sasl over tls\n')
    expect(produced.exitCode, produced.stderr).toBe(0)
    const result = await python(`
from kafka import KafkaConsumer
c = KafkaConsumer('both', bootstrap_servers='${saslSsl.bootstrap}', security_protocol='SASL_SSL', ssl_cafile='${cert.cert}', sasl_mechanism='PLAIN', sasl_plain_username='bob', sasl_plain_password='pa:ss word#1', auto_offset_reset='earliest', consumer_timeout_ms=3000)
print([m.value.decode() for m in c])
`)
    expect(result.stdout.trim(), result.stderr).toBe("['sasl over tls']")
    const wrong = await kcat([...over, ...sasl('alice', 'nope'), '-L', '-m', '3'])
    expect(wrong.exitCode).not.toBe(0)
    expect(wrong.stderr).toMatch(/Authentication failed/)
    const anonymous = await kcat(['-b', saslSsl.bootstrap, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${cert.cert}`, '-L', '-m', '3'])
    expect(anonymous.exitCode).not.toBe(0)
    expect(saslSsl.stderr()).toMatch(/\(SASL_SSL, 2 users\)/)
  })
})

async function serveFails(args: string[]) {
  const dir = tmpLogDir()
  const result = await strom(dir, ['serve', '--listen', '127.0.0.1:0', ...args])
  expect(result.stderr).not.toMatch(/\n\s+at /)
  // oclif wraps long messages at the terminal width, continuing lines with ' ›'.
  return {exitCode: result.exitCode, stderr: result.stderr.replace(/\s*\n ›\s+/g, ' ')}
}

describe('strom serve security flags', () => {
  it('refuses a users file that is missing or malformed, naming the file and line', async () => {
    const dir = tmpLogDir()
    const missing = await serveFails(['--sasl-users', path.join(dir, 'nope.txt')])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain(`cannot read --sasl-users file '${path.join(dir, 'nope.txt')}': no such file`)
    const file = usersFile(dir, 'alice:ok\n# fine\nbob\n')
    const malformed = await serveFails(['--sasl-users', file])
    expect(malformed.exitCode).toBe(2)
    expect(malformed.stderr).toContain(`${file} line 3: no ':' between user and password`)
  })

  it('warns on a non-loopback listener without SASL and TLS, and not on loopback', async () => {
    const dir = tmpLogDir()
    const open = await startServe(dir, [], {host: '0.0.0.0'})
    const {stderr} = await open.stop()
    expect(stderr).toMatch(/warning: listening on 0\.0\.0\.0, not loopback: anyone who can reach this port can read and write .* \(no authentication, no encryption/)
    const saslOnly = await startServe(dir, ['--sasl-users', usersFile(dir, USERS)], {host: '0.0.0.0'})
    expect((await saslOnly.stop()).stderr).toMatch(/warning: .*passwords and messages cross the network in clear text/)
    const loopback = await startServe(dir)
    expect((await loopback.stop()).stderr).not.toContain('warning')
  })

  it('warns when the users file can be read by other users, and not when it is the owner\'s alone', async () => {
    const dir = tmpLogDir()
    const file = usersFile(dir, USERS)
    fs.chmodSync(file, 0o644)
    const loose = await startServe(dir, ['--sasl-users', file])
    expect((await loose.stop()).stderr).toContain(`warning: --sasl-users file '${file}' can be read or written by any user on this machine (mode 0644); restrict it with chmod 600 '${file}'`)
    fs.chmodSync(file, 0o600)
    const tight = await startServe(dir, ['--sasl-users', file])
    expect((await tight.stop()).stderr).not.toContain('warning')
  })
})

describeWithClients('strom serve TLS flags', [OPENSSL], () => {
  it('refuses a missing certificate, a file that is not PEM, a key of another certificate, and one flag without the other', async () => {
    const dir = tmpLogDir()
    const one = selfSignedCert(dir, 'one')
    const two = selfSignedCert(dir, 'two')
    const missing = await serveFails(['--tls-cert', path.join(dir, 'absent.pem'), '--tls-key', one.key])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain(`cannot read --tls-cert '${path.join(dir, 'absent.pem')}': no such file`)
    fs.writeFileSync(path.join(dir, 'junk.pem'), 'not a certificate\n')
    const junk = await serveFails(['--tls-cert', path.join(dir, 'junk.pem'), '--tls-key', one.key])
    expect(junk.stderr).toContain(`invalid TLS certificate '${path.join(dir, 'junk.pem')}'`)
    const mismatch = await serveFails(['--tls-cert', one.cert, '--tls-key', two.key])
    expect(mismatch.exitCode).toBe(2)
    expect(mismatch.stderr).toMatch(/invalid TLS certificate .* or key .*: .*mismatch/)
    const alone = await serveFails(['--tls-cert', one.cert])
    expect(alone.exitCode).toBe(2)
    expect(alone.stderr).toContain('--tls-cert needs --tls-key')
  })

  it('no warning on a non-loopback listener with both SASL and TLS; TLS alone still warns', async () => {
    const dir = tmpLogDir()
    const cert = selfSignedCert(dir)
    const tlsOnly = await startServe(dir, ['--tls-cert', cert.cert, '--tls-key', cert.key], {host: '0.0.0.0'})
    expect((await tlsOnly.stop()).stderr).toMatch(/warning: .*TLS encrypts, but there is no authentication/)
    const secured = await startServe(dir, ['--sasl-users', usersFile(dir, USERS), '--tls-cert', cert.cert, '--tls-key', cert.key], {host: '0.0.0.0'})
    expect((await secured.stop()).stderr).not.toContain('warning')
  })
})
