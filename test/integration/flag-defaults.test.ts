/**
 * No flag default may hide an explicit value. A flag with a parse default cannot tell `-o beginning`
 * from no -o at all, which is how `consume --group G -f -o beginning` used to be silently ignored.
 * The convention this checks, over every flag of every command in oclif.manifest.json (after build):
 *  - a flag that only means something together with another one says so, its description starting
 *    "with --OTHER:"; such a flag has no parse default (its default is resolved in the command), and
 *    given explicitly without --OTHER it is refused with a usage error (exit 2), never ignored;
 *  - a flag with a parse default is used the same way whether given or not: its command's source
 *    never compares it with its default value (the pattern that treated an explicit default as "not given").
 */
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, tmpLogDir} from '../helpers/strom.js'

interface ManifestFlag {
  name: string
  type: 'boolean' | 'option'
  description?: string
  default?: unknown
  options?: string[]
  multiple?: boolean
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, ManifestFlag>}>}
const all = Object.entries(manifest.commands).flatMap(([id, command]) => Object.values(command.flags).map((flag) => ({id, flag})))
const conditional = all.filter(({flag}) => /^with --[\w-]+/.test(flag.description ?? ''))

// Positional arguments that get each command past argument parsing (the usage check must come first).
const ARGS: Record<string, string[]> = {consume: ['t'], produce: ['t', 'x'], ingest: ['t', 'some.log'], mirror: ['dir:/nonexistent-src', 'dir:/nonexistent-dst']}

const valueFor = (flag: ManifestFlag): string[] =>
  flag.type === 'boolean' ? [`--${flag.name}`] : [`--${flag.name}`, flag.options?.[0] ?? (/partitions|-ms$/.test(flag.name) ? '1' : 'x')]

describe('flag defaults never hide an explicit value', () => {
  it('finds the flags it is about in the manifest', () => {
    expect(conditional.map(({id, flag}) => `${id} --${flag.name}`)).toEqual(expect.arrayContaining(['consume --commit', 'consume --reset', 'produce --keep-partition', 'produce --partitions']))
    expect(all.filter(({flag}) => flag.default !== undefined).length).toBeGreaterThan(10)
  })

  it('a flag that applies only with another one has no parse default', () => {
    const defaulted = conditional.filter(({flag}) => flag.default !== undefined && flag.type !== 'boolean')
    expect(defaulted.map(({id, flag}) => `${id} --${flag.name}`)).toEqual([])
  })

  it("a flag with a default is never compared with that default in its command's source", () => {
    const offenders: string[] = []
    for (const {id, flag} of all) {
      if (flag.default === undefined || typeof flag.default === 'boolean') continue
      const source = fs.readFileSync(path.join(ROOT, 'src', 'commands', ...id.split(':')) + '.ts', 'utf8')
      const access = `flags(?:\\.${flag.name.replaceAll('-', '_')}\\b|\\[['"]${flag.name}['"]\\])`
      const literal = JSON.stringify(flag.default).replaceAll('\\', '\\\\').replace(/[.*+?^${}()|[\]]/g, '\\$&')
      const compare = new RegExp(`${access}\\s*[!=]==?\\s*['"]?${literal.replace(/^"|"$/g, '')}['"]?\\b|['"]?${literal.replace(/^"|"$/g, '')}['"]?\\s*[!=]==?\\s*${access}`)
      if (compare.test(source)) offenders.push(`${id} --${flag.name}`)
    }
    expect(offenders).toEqual([])
  })

  it('a flag that applies only with another one is refused without it, not ignored', async () => {
    const dir = tmpLogDir()
    for (const {id, flag} of conditional) {
      const args = [...id.split(':'), ...(ARGS[id] ?? []), ...valueFor(flag)]
      const out = await execa('node', [BIN, ...args], {env: {NO_COLOR: '1', STROM_DIR: dir}, reject: false})
      expect(out.exitCode, args.join(' ')).toBe(2)
      expect(String(out.stderr), args.join(' ')).toMatch(new RegExp(`--${flag.name}|${/^with (--[\w-]+)/.exec(flag.description!)![1]}`))
    }
    // Nothing was created by any of them.
    expect(fs.readdirSync(dir).filter((f) => f !== 'strom.json' && f !== 'topics' && f !== 'tmp')).toEqual([])
  }, 180_000) // a dozen processes in turn
})
