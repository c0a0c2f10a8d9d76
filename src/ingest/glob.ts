/**
 * File patterns for `strom ingest`: `*`, `?` and `[...]` in the file name part
 * (`/var/log/app/*.log`); the directory part is literal. Re-expanded on every scan, so files that
 * appear later are picked up.
 */
import fs from 'node:fs'
import path from 'node:path'

export function hasWildcard(text: string): boolean {
  return /[*?[]/.test(text)
}

function toRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '*') source += '[^/]*'
    else if (ch === '?') source += '[^/]'
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1)
      if (close < 0) source += '\\['
      else {
        const body = pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')
        source += `[${body}]`
        i = close
      }
    } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

/** Absolute paths of the regular files matching each pattern (a plain path matches itself if it exists). */
export function expandPatterns(patterns: string[]): string[] {
  const found = new Set<string>()
  for (const pattern of patterns) {
    const absolute = path.resolve(pattern)
    const dir = path.dirname(absolute)
    const base = path.basename(absolute)
    if (!hasWildcard(base)) {
      if (isFile(absolute)) found.add(absolute)
      continue
    }
    let names: string[]
    try {
      names = fs.readdirSync(dir)
    } catch {
      continue
    }
    const regexp = toRegExp(base)
    for (const name of names) if (regexp.test(name) && isFile(path.join(dir, name))) found.add(path.join(dir, name))
  }
  return [...found].sort()
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}
