/**
 * A file that holds secrets (the --sasl-users passwords, the --tls-key private key) should be
 * readable by its owner only, as ssh insists for private keys. strom serve warns instead of
 * refusing: the file may be protected otherwise (a private directory, a container's only user).
 */
import fs from 'node:fs'

export function looseSecretFileWarning(file: string, what: string, platform: NodeJS.Platform = process.platform): string | undefined {
  // Windows has no POSIX mode bits to go by.
  if (platform === 'win32') return undefined
  let mode: number
  try {
    mode = fs.statSync(file).mode
  } catch {
    return undefined // reading it reports what is wrong
  }
  const others = mode & 0o077
  if (others === 0) return undefined
  const who = others & 0o007 ? 'any user on this machine' : 'its group'
  return `${what} '${file}' can be read or written by ${who} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); restrict it with chmod 600 '${file}'`
}
