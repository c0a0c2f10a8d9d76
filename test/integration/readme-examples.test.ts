/**
 * Every ```sh example of README.md and of the docs/ pages that hold runnable examples, run as a
 * newcomer would paste them: one file at a time in the order of DOCS, each in order, in one scratch
 * directory, with `strom` on PATH (a wrapper around bin/run.js) and STROM_DIR set to a fresh log
 * directory, so each example sees what the earlier ones made. A line that exits non-zero fails its
 * test: an example that does not work as written is a bug in the README (or in strom).
 *
 * Not everything can run here. The lists below are the only exceptions, each with its reason.
 */
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, tmpLogDir} from '../helpers/strom.js'

/** Lines that need a network peer (a Kafka cluster, a running `strom serve`), or are the project's own setup. */
const SKIP: Array<{pattern: RegExp; why: string}> = [
  {pattern: /--bootstrap-server|STROM_BOOTSTRAP_SERVERS|kafka:\/\//, why: 'needs a Kafka cluster'},
  {pattern: /--profile /, why: 'a profile names a Kafka cluster'},
  {pattern: /^strom serve\b/, why: 'a server: runs until stopped (the serve tests cover it)'},
  {pattern: /^kcat\b|\| kcat\b/, why: 'needs a running strom serve'},
  {pattern: /^npm (ci|test)\b/, why: "the project's own install and test suite, not an example of strom"},
  {pattern: /^scripts\/kafka\.sh\b/, why: 'starts Apache Kafka (test/kafka/ runs it against strom)'},
]

/**
 * Lines that run forever (they follow). Skipping them would leave what they make (the topic a
 * `tail -F | strom produce` creates, the group a `consume --group -f` joins) missing for the lines
 * after them, so they run as what they have done by the time the next line is typed in another
 * terminal: the same command without following.
 */
const FINITE: Array<{pattern: RegExp; why: string; rewrite: (line: string) => string}> = [
  {pattern: /^tail -F (\S+) \|/, why: 'tail -F follows the file: cat prints what it holds', rewrite: (line) => line.replace(/^tail -F/, 'cat')},
  {pattern: /^strom consume .* (-f|--follow)\b/, why: 'consume -f follows: without it, it reads what is there and exits', rewrite: (line) => line.replace(/ (-f|--follow)\b/, '')},
  {pattern: /^strom ingest (?!.*--once)/, why: 'ingest follows the files: --once reads them and exits', rewrite: (line) => `${line} --once`},
  {pattern: /^strom process (?!.*\s(-e|--exit)\s)/, why: 'process follows its inputs: -e processes what is there and exits', rewrite: (line) => line.replace(' -- ', ' -e -- ')},
]

/**
 * The files whose examples run, in this order: a later file's examples may use what an earlier
 * file's made (docs/commands.md reads the topic `logs` the README's first example creates).
 * Every markdown file with a ```sh block must be listed here (checked below).
 */
const DOCS = ['README.md', 'docs/commands.md', 'docs/top.md', 'docs/serve.md', 'docs/kafka-backend.md', 'docs/benchmarks.md']

interface Example {
  file: string
  line: number
  command: string
  skip?: string
  rewritten?: string
}

/** Commands of the ```sh blocks: `\` continuations joined, a heredoc kept with its command, comments dropped. */
function shExamples(file: string, markdown: string): Example[] {
  const lines = markdown.split('\n')
  const examples: Example[] = []
  let inBlock = false
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]
    if (!inBlock) {
      inBlock = text.trim() === '```sh'
      continue
    }
    if (text.trim() === '```') {
      inBlock = false
      continue
    }
    if (text.trim() === '' || text.trim().startsWith('#')) continue
    const line = i + 1
    let command = text
    while (command.endsWith('\\') && i + 1 < lines.length) command = command.slice(0, -1) + lines[++i].trimStart()
    const heredoc = /<<-?'?(\w+)'?/.exec(command)
    if (heredoc !== null) while (i + 1 < lines.length && lines[i].trim() !== heredoc[1]) command += '\n' + lines[++i]
    examples.push({file, line, command: command.trim()})
  }
  return examples
}

/** Drops a trailing `# comment` (a # after whitespace, outside quotes) so the rules see the command alone. */
function withoutComment(command: string): string {
  let quote: string | undefined
  for (let i = 0; i < command.length; i++) {
    const c = command[i]
    if (quote !== undefined) {
      if (c === quote) quote = undefined
    } else if (c === "'" || c === '"') quote = c
    else if (c === '#' && /\s/.test(command[i - 1] ?? '') && !command.includes('\n')) return command.slice(0, i).trimEnd()
  }
  return command
}

function plan(examples: Example[]): Example[] {
  return examples.map((example) => {
    const command = withoutComment(example.command)
    const skip = SKIP.find((rule) => rule.pattern.test(command))
    if (skip !== undefined) return {...example, skip: skip.why}
    const finite = FINITE.find((rule) => rule.pattern.test(command))
    return finite === undefined ? example : {...example, rewritten: finite.rewrite(command)}
  })
}

const examples = plan(DOCS.flatMap((file) => shExamples(file, fs.readFileSync(path.join(ROOT, file), 'utf8'))))

describe('README.md and docs/ examples, run as written', () => {
  const scratch = tmpLogDir('strom-readme-')
  const logDir = path.join(scratch, 'log')
  const binDir = path.join(scratch, 'bin')
  const work = path.join(scratch, 'work')
  fs.mkdirSync(binDir)
  fs.mkdirSync(work)
  fs.writeFileSync(path.join(binDir, 'strom'), `#!/bin/sh\nexec node ${JSON.stringify(BIN)} "$@"\n`, {mode: 0o755})
  // The examples read "your" log file: a newcomer has one; the scratch directory gets a small one.
  fs.writeFileSync(path.join(work, 'app.log'), Array.from({length: 20}, (_, i) => `2026-01-01T00:00:${String(i).padStart(2, '0')}Z INFO request ${i}\n`).join(''))

  it('every markdown file with a ```sh block has its examples run', () => {
    const markdown = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
    const withExamples = markdown.filter((file) => shExamples(file, fs.readFileSync(path.join(ROOT, file), 'utf8')).length > 0)
    expect(withExamples.filter((file) => !DOCS.includes(file)), 'add these files to DOCS in test/integration/readme-examples.test.ts').toEqual([])
  })

  it('finds the examples, and skips only the listed kinds', () => {
    expect(examples.filter((e) => e.file === 'README.md').length).toBeGreaterThan(25)
    expect(examples.length).toBeGreaterThan(40)
    const skipped = examples.filter((e) => e.skip !== undefined)
    expect(skipped.length).toBeLessThan(examples.length / 3)
  })

  for (const example of examples) {
    if (example.skip !== undefined) continue // see SKIP: these are not run, and not reported as tests
    const title = `${example.file} line ${example.line}: ${example.command.split('\n')[0]}${example.rewritten === undefined ? '' : ` (run as: ${example.rewritten})`}`
    it(title, async () => {
      const result = await execa('bash', ['-o', 'pipefail', '-c', example.rewritten ?? example.command], {
        cwd: work,
        env: {PATH: `${binDir}:${process.env.PATH ?? ''}`, STROM_DIR: logDir, XDG_CONFIG_HOME: path.join(scratch, 'config'), NO_COLOR: '1'},
        extendEnv: true,
        reject: false,
        stdin: 'ignore',
        timeout: 120_000,
      })
      expect(result.exitCode, `${example.file} line ${example.line} failed (exit ${result.exitCode}):\n$ ${example.rewritten ?? example.command}\n${String(result.stderr).slice(0, 2000)}`).toBe(0)
    }, 150_000)
  }
})
