/**
 * Usage errors (a mistyped command, an unknown flag, a missing value, a bad choice): exit 2 with
 * one line saying what is wrong (and the likely fix) and one pointing to --help, instead of
 * oclif's own forms (exit 1 for some, `topci:list` with colons, a note about an unrelated flag,
 * sixty lines of help after a typo).
 */
import {EXIT} from './exit-codes.js'

export class UsageError extends Error {
  /** Read by oclif's error handler for the exit code. */
  readonly oclif = {exit: EXIT.usage}
  /** The message is printed by printUsageError, so oclif's handler must not print it again. */
  readonly skipOclifErrorHandling = true

  constructor(message: string, readonly helpCommand: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** At most two lines: the error, and where the help is. */
export function formatUsageError(error: UsageError): string {
  return ` ›   Error: ${error.message}\n ›   See \`${error.helpCommand}\`.\n`
}

export function printUsageError(error: UsageError): void {
  process.exitCode = EXIT.usage
  process.stderr.write(formatUsageError(error))
}

/** A command id as typed: oclif's `topic:list` is `topic list` on the command line. */
export const spaced = (id: string): string => id.replaceAll(':', ' ')

export function unknownCommand(bin: string, id: string, commandIds: string[]): UsageError {
  // With a space as topic separator oclif hands over every leading word (`consum logs` is
  // `consum:logs`): the typo is in some prefix of them, the rest are arguments.
  const words = id.split(':')
  const candidates = [...new Set([...commandIds.map(spaced), ...commandIds.filter((c) => c.includes(':')).map((c) => spaced(c.split(':')[0]))])]
  for (let n = words.length; n > 0; n--) {
    const typed = words.slice(0, n).join(' ')
    const guess = closest(typed, candidates)
    if (guess !== undefined) return new UsageError(`unknown command \`${typed}\`; did you mean \`${guess}\`?`, `${bin} --help`)
  }
  return new UsageError(`unknown command \`${words[0]}\``, `${bin} --help`)
}

interface ParseErrorShape {
  message: string
  args?: Array<{name: string; description?: string}>
  flags?: string[]
  parse?: {input?: {flags?: Record<string, {type?: string; multiple?: boolean}>}; output?: {flags?: Record<string, unknown>}}
}

/** One line out of an error thrown while oclif parsed a command's flags and arguments. */
export function fromParseError(bin: string, commandId: string, error: ParseErrorShape): UsageError {
  const help = `${bin} ${spaced(commandId)} --help`
  const known = Object.keys(error.parse?.input?.flags ?? {})
  if (error.message.startsWith('Missing') && error.args !== undefined) {
    const names = error.args.map((a) => a.name.toUpperCase())
    // oclif notes that flags taking several values swallow later arguments; that matters only if one was given.
    const given = Object.entries(error.parse?.input?.flags ?? {}).filter(([name, f]) => f.multiple && f.type === 'option' && error.parse?.output?.flags?.[name] !== undefined).map(([name]) => `--${name}`)
    const swallowed = given.length === 0 ? '' : ` (${given.join(', ')} takes every word after it: put arguments first, or end its values with --)`
    return new UsageError(`missing argument${names.length === 1 ? '' : 's'} ${names.join(' ')}${swallowed}`, help)
  }
  if (error.message.startsWith('Nonexistent flag') && error.flags !== undefined) {
    const unknown = error.flags.map((f) => f.replace(/=.*$/, ''))
    const guess = unknown.length === 1 ? closest(unknown[0].replace(/^-+/, ''), known) : undefined
    return new UsageError(`unknown flag${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}${guess === undefined ? '' : `; did you mean --${guess}?`}`, help)
  }
  const option = /^Expected --([\w-]+)=(.*) to be one of: (.*)$/s.exec(firstLine(error.message))
  if (option !== null) return new UsageError(`--${option[1]} ${option[2]}: expected one of ${option[3]}`, help)
  const noValue = /^Flag --([\w-]+) expects a value$/.exec(error.message)
  if (noValue !== null) return new UsageError(`--${noValue[1]} needs a value`, help)
  return new UsageError(oneLine(error.message), help)
}

function firstLine(message: string): string {
  return message.split('\n')[0]
}

/** oclif's multi-line forms ("The following error occurred:\n  ...", "Parsing --n \n\t...") as one line. */
function oneLine(message: string): string {
  const text = message
    // eslint-disable-next-line no-control-regex
    .replace(/\u001B\[[0-9;]*m/g, '')
    .replace(/\nSee more help with --help\s*$/, '')
    .replace(/^The following errors? occurred:\s*/, '')
    .replace(/^Parsing (--[\w-]+)\s*\n\s*/, '$1: ')
  return text.split('\n').map((l) => l.trim()).filter(Boolean).join('; ')
}

/** The candidate nearest to `typed` by edit distance, when near enough to be a typo. */
export function closest(typed: string, candidates: string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    const d = editDistance(typed, candidate)
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return bestDistance <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters, as in `topci`, costs 1. */
function editDistance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}
