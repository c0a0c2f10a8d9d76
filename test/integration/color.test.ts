/**
 * Colour decided the same way for every writer (src/cli/color.ts), checked on real processes: on
 * a terminal (a pty from `script`) FORCE_COLOR=0, TERM=dumb and NO_COLOR=1 each leave no escape
 * byte in consume's pretty output or a table; FORCE_COLOR=1 into a pipe colours them.
 */
import {execa} from 'execa'
import {beforeAll, describe, expect, it} from 'vitest'
import {BIN, strom, tmpLogDir} from '../helpers/strom.js'

let dir: string
const ESC = '\x1b'

beforeAll(async () => {
  dir = tmpLogDir()
  expect((await strom(dir, ['produce', 'c', '--create', 'k:v', '-K:'])).exitCode).toBe(0)
})

/** Output of a strom command run on a pseudo-terminal (util-linux `script`), with only `env` set. */
async function onTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const command = ['node', BIN, ...args, '--dir', dir].map((word) => `'${word}'`).join(' ')
  const result = await execa('script', ['-qec', command, '/dev/null'], {env: {TERM: 'xterm-256color', ...env}, extendEnv: false, stdin: 'ignore', reject: false})
  expect(result.exitCode, String(result.stdout)).toBe(0)
  return String(result.stdout)
}

async function intoPipe(args: string[], env: Record<string, string>): Promise<string> {
  const result = await execa('node', [BIN, ...args, '--dir', dir], {env: {PATH: process.env.PATH ?? '', ...env}, extendEnv: false, reject: false})
  expect(result.exitCode, String(result.stderr)).toBe(0)
  return String(result.stdout)
}

// Each command with a word its output must hold (so an empty output cannot pass).
const commands: Array<[string[], string]> = [[['consume', 'c'], 'v'], [['topic', 'list'], 'PARTITIONS']]
const PATH = process.env.PATH ?? ''

describe('colour', () => {
  it('a terminal is coloured by default (the control for the cases below)', async () => {
    for (const [args] of commands) expect(await onTerminal(args, {PATH})).toContain(ESC)
  })

  for (const [name, env] of [['FORCE_COLOR=0', {FORCE_COLOR: '0'}], ['TERM=dumb', {TERM: 'dumb'}], ['NO_COLOR=1', {NO_COLOR: '1'}]] as const) {
    it(`${name} on a terminal: no escape bytes`, async () => {
      for (const [args, word] of commands) {
        const output = await onTerminal(args, {PATH, ...env})
        expect(output.toUpperCase()).toContain(word.toUpperCase())
        expect(output).not.toContain(ESC)
      }
    })
  }

  it('FORCE_COLOR=1 into a pipe: colour', async () => {
    expect(await intoPipe(['consume', 'c', '--pretty'], {FORCE_COLOR: '1'})).toContain(ESC)
    expect(await intoPipe(['consume', 'c', '--pretty'], {})).not.toContain(ESC)
  })
})
