import {execa} from 'execa'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, tmpLogDir} from '../helpers/strom.js'

const run = async (args: string[], env: Record<string, string | undefined>, input?: string) => {
  const out = await execa('node', [BIN, ...args], {env: {NO_COLOR: '1', STROM_DIR: undefined, XDG_DATA_HOME: undefined, ...env}, extendEnv: true, reject: false, input})
  return {stdout: String(out.stdout), stderr: String(out.stderr), exitCode: out.exitCode}
}

describe('the log directory: reading never creates it, writing says it did', () => {
  it('a command that only reads fails on a missing --dir, naming it, and creates nothing', async () => {
    const parent = tmpLogDir()
    const typo = path.join(parent, 'typo-dir')
    for (const args of [['consume', 't'], ['topic', 'list'], ['group', 'list'], ['log', 'verify']]) {
      const out = await run([...args, '--dir', typo], {})
      expect(out.exitCode, args.join(' ')).toBe(3)
      expect(out.stderr).toContain(`log directory ${typo} does not exist`)
      expect(out.stderr).toMatch(/--dir/)
    }
    const fromEnv = await run(['consume', 't'], {STROM_DIR: typo})
    expect(fromEnv.exitCode).toBe(3)
    expect(fromEnv.stderr).toMatch(/STROM_DIR/)
    expect(fs.existsSync(typo)).toBe(false)
  })

  it('writing commands create it and say so on stderr', async () => {
    const parent = tmpLogDir()
    const created = await run(['topic', 'create', 'x', '--dir', path.join(parent, 'a')], {})
    expect(created.exitCode).toBe(0)
    expect(created.stderr).toContain(`created log directory ${path.join(parent, 'a')}`)
    const again = await run(['topic', 'create', 'y', '--dir', path.join(parent, 'a')], {})
    expect(again.stderr).not.toContain('created log directory')
    // produce without --create does not create the directory (there could be no topic in it).
    const plain = await run(['produce', 't', 'x', '--dir', path.join(parent, 'b')], {})
    expect(plain.exitCode).toBe(3)
    expect(fs.existsSync(path.join(parent, 'b'))).toBe(false)
  })

  it("the README's quick start works on a fresh HOME; reading first says how to create the default directory", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'strom-home-'))
    try {
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
      const quick = /npm ci && (seq 1 5 \| node bin\/run\.js produce hello --create && node bin\/run\.js consume hello)/.exec(readme)
      expect(quick).not.toBeNull()
      const env = {HOME: home}
      const first = await run(['consume', 'hello'], env)
      expect(first.exitCode).toBe(3)
      expect(first.stderr).toContain(path.join(home, '.local', 'share', 'strom'))
      expect(first.stderr).toMatch(/produce TOPIC --create/)
      expect(fs.readdirSync(home)).toEqual([])
      const out = await execa('bash', ['-o', 'pipefail', '-c', quick![1]], {cwd: ROOT, env: {NO_COLOR: '1', HOME: home, STROM_DIR: undefined, XDG_DATA_HOME: undefined}, reject: false})
      expect(out.exitCode).toBe(0)
      expect(String(out.stdout)).toBe('1\n2\n3\n4\n5')
      expect(String(out.stderr)).toContain(`created log directory ${path.join(home, '.local', 'share', 'strom')}`)
    } finally {
      fs.rmSync(home, {recursive: true, force: true})
    }
  })
})
