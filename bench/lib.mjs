// What bench/run.mjs and bench/kafka.mjs share: timing a shell command, the generated input, and
// how figures are printed.
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const benchDir = path.dirname(fileURLToPath(import.meta.url))

/** Runs `command` in bash (pipefail); throws with its stderr when it fails. */
export function sh(command, {env} = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], {encoding: 'utf8', maxBuffer: 1 << 30, env: env ?? process.env})
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (result.status !== 0) throw new Error(`failed (${result.status}): ${command}\n${result.stderr}`)
  return {seconds, stdout: result.stdout, stderr: result.stderr}
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** The value at quantile `q` (0..1) of ascending `sorted`: the element at floor(q·n), the last for q = 1. */
export const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

export const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0))

/** `count` generated log lines (about 110 B each) in `file`, regenerated only when the count changed. */
export function ensureLines(file, count, {keyed = false} = {}) {
  if (fs.existsSync(file) && Number(fs.readFileSync(file + '.count', {encoding: 'utf8', flag: 'a+'}) || 0) === count) return
  execFileSync('bash', ['-c', `node ${path.join(benchDir, 'gen-lines.mjs')} ${count} ${keyed ? '--keyed' : ''} > ${file}`])
  fs.writeFileSync(file + '.count', String(count))
}

/** A TCP port free on 127.0.0.1 right now. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address()
      server.close(() => resolve(port))
    })
  })

/** `strom serve` (quiet) on `dir` with `extraArgs`; resolves with it and its bootstrap address once it says it listens. */
export async function startServe(dir, extraArgs = []) {
  const port = await freePort()
  const bin = path.join(benchDir, '..', 'bin', 'run.js')
  const child = spawn(process.execPath, [bin, 'serve', '--listen', `127.0.0.1:${port}`, '--dir', dir, '--quiet', ...extraArgs], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (stderr.includes('strom serve: listening on')) resolve()
    })
    child.once('exit', () => reject(new Error(`strom serve did not start:\n${stderr}`)))
  })
  return {child, bootstrap: `127.0.0.1:${port}`}
}
