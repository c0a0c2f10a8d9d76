import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, strom, tmpLogDir} from '../helpers/strom.js'

// What the build changes in the bundled oclif and file lock for a faster start
// (scripts/bundle-oclif.mjs, scripts/bundle-native-locks.mjs), checked on a real process: a
// produce loads none of the packages oclif only needs for help, errors or its engine check, does
// not find the lock's addon through require-addon, and never builds an ICU collator.
const probe = path.join(ROOT, 'test', 'fixtures', 'startup-probe.cjs')

async function probed(dir: string, args: string[], env: Record<string, string> = {}) {
  const out = path.join(dir, 'probe.json')
  const result = await strom(dir, args, {env: {NODE_OPTIONS: `--require ${probe}`, STARTUP_PROBE_OUT: out, ...env}})
  const {modules, localeCompares} = JSON.parse(fs.readFileSync(out, 'utf8')) as {modules: string[]; localeCompares: number}
  // Packages whose JavaScript ran (the lock's prebuilt .node file lives in its package too).
  const scripts = modules.filter((file) => !file.endsWith('.node'))
  const packages = new Set(scripts.map((file) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1]).filter((name) => name !== undefined))
  return {result, packages, localeCompares}
}

describe('startup', () => {
  it('a produce loads no lazy oclif dependency, no debug or semver, no require-addon, and no collator', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 't'])).exitCode).toBe(0)
    const {result, packages, localeCompares} = await probed(dir, ['produce', 't', 'hello'])
    expect(result.exitCode).toBe(0)
    for (const name of ['semver', 'debug', 'ejs', 'minimatch', 'wrap-ansi', 'ansis', 'clean-stack', 'tinyglobby', 'require-addon', 'bare-addon-resolve', 'fs-native-extensions', 'which-runtime']) {
      expect(packages).not.toContain(name)
    }
    expect(localeCompares).toBe(0)
  })

  // vitest sets NODE_ENV=test, with which oclif would look for help.ts in src/ (bin/run.js turns that off).
  it('help still loads what it uses, and DEBUG=oclif:* still logs through the real debug', async () => {
    const dir = tmpLogDir()
    const help = await probed(dir, ['--help'])
    expect(help.result.stderr).toBe('')
    expect(help.result.exitCode).toBe(0)
    expect(help.result.stdout).toContain('COMMANDS')
    expect(help.packages).toContain('ejs')
    const debug = await probed(dir, ['topic', 'list'], {DEBUG: 'oclif:*'})
    expect(debug.result.exitCode).toBe(0)
    expect(debug.packages).toContain('debug')
    expect(debug.result.stderr).toContain('oclif:config')
  })
})
