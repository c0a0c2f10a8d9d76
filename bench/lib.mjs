// What bench/run.mjs and bench/kafka.mjs share: timing a shell command, the generated input, and
// how figures are printed.
import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
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

export const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0))

/** `count` generated log lines (about 110 B each) in `file`, regenerated only when the count changed. */
export function ensureLines(file, count, {keyed = false} = {}) {
  if (fs.existsSync(file) && Number(fs.readFileSync(file + '.count', {encoding: 'utf8', flag: 'a+'}) || 0) === count) return
  execFileSync('bash', ['-c', `node ${path.join(benchDir, 'gen-lines.mjs')} ${count} ${keyed ? '--keyed' : ''} > ${file}`])
  fs.writeFileSync(file + '.count', String(count))
}
