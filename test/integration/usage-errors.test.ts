import {execa} from 'execa'
import {describe, expect, it} from 'vitest'
import {BIN, tmpLogDir} from '../helpers/strom.js'

const run = async (args: string[], env: Record<string, string> = {}) => {
  const out = await execa('node', [BIN, ...args], {env: {NO_COLOR: '1', STROM_DIR: tmpLogDir(), ...env}, reject: false})
  return {stdout: String(out.stdout), stderr: String(out.stderr), exitCode: out.exitCode}
}
const lineCount = (text: string) => text.trimEnd().split('\n').length

describe('usage errors: exit 2, one line and a pointer to --help', () => {
  it('a mistyped command names the nearest real one, with spaces', async () => {
    const out = await run(['topci', 'list'])
    expect(out.exitCode).toBe(2)
    expect(lineCount(out.stderr)).toBeLessThanOrEqual(3)
    expect(out.stderr).toContain('topic list')
    expect(out.stderr).not.toContain('topci:list')
    expect(out.stderr).toContain('--help')
    const typo = await run(['consum', 'logs'])
    expect(typo.exitCode).toBe(2)
    expect(typo.stderr).toMatch(/unknown command `consum`; did you mean `consume`\?/)
  })

  it('unknown flags, flags missing a value, bad choices and missing arguments: exit 2, at most 3 lines', async () => {
    for (const [args, message] of [
      [['consume', 't', '--folow'], /unknown flag --folow; did you mean --follow\?/],
      [['consume', 't', '-o'], /--offset needs a value/],
      [['consume', 't', '--group', 'g', '--commit', 'bad'], /--commit bad: expected one of auto, sync, none/],
      [['consume', 't', '-n', 'x'], /--max-messages: Expected an integer/],
      [['produce'], /missing argument TOPIC/],
      [['topic', 'create'], /missing argument NAME/],
    ] as const) {
      const out = await run([...args])
      expect(out.exitCode, args.join(' ')).toBe(2)
      expect(out.stderr, args.join(' ')).toMatch(message)
      expect(lineCount(out.stderr), out.stderr).toBeLessThanOrEqual(3)
      expect(out.stderr).toMatch(new RegExp(`strom ${args[0] === 'topic' ? 'topic create' : args[0]} --help`))
      // No note about an unrelated flag (produce's --header takes several values).
      expect(out.stderr).not.toMatch(/Note:|--header/)
    }
  })

  it('strom help COMMAND prints the command\'s help, also for two-word commands', async () => {
    const consume = await run(['help', 'consume'])
    expect(consume.exitCode).toBe(0)
    expect(consume.stdout).toContain('$ strom consume [TOPIC...]')
    const create = await run(['help', 'topic', 'create'])
    expect(create.exitCode).toBe(0)
    expect(create.stdout).toContain('$ strom topic create NAME')
    const unknown = await run(['help', 'topci'])
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toMatch(/did you mean `topic`\?/)
  })
})
