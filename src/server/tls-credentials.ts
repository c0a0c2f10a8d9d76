/**
 * `--tls-cert` and `--tls-key`: read and checked at startup, so a missing file, a file that is not
 * PEM, or a key that does not match the certificate stops `strom serve` with a clear message
 * instead of failing every client's handshake later.
 */
import fs from 'node:fs'
import tls from 'node:tls'
import {StromError} from '../core/errors.js'

export interface TlsCredentials {
  cert: Buffer
  key: Buffer
}

function readPem(flag: string, file: string): Buffer {
  try {
    return fs.readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message
    throw new StromError('INVALID_ARGUMENT', `cannot read ${flag} '${file}': ${why}`, {hint: 'give a PEM file (e.g. made by openssl req -x509 -newkey rsa:2048 -nodes ...)'})
  }
}

export function loadTlsCredentials(certFile: string, keyFile: string): TlsCredentials {
  const cert = readPem('--tls-cert', certFile)
  const key = readPem('--tls-key', keyFile)
  try {
    tls.createSecureContext({cert, key})
  } catch (error) {
    // OpenSSL's messages ("key values mismatch", "no start line") name the problem but not the file.
    throw new StromError('INVALID_ARGUMENT', `invalid TLS certificate '${certFile}' or key '${keyFile}': ${(error as Error).message}`, {
      hint: 'both must be PEM, and the key must belong to the certificate',
    })
  }
  return {cert, key}
}
