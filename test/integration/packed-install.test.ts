/**
 * The npm package as a user gets it: `npm pack` of the built tree, installed into an empty prefix
 * from the tarball (its dependencies from the registry), then the installed `strom` run: help, a
 * produce/consume round trip, a `top` snapshot, and `serve` answering kcat. Catches what the
 * package's "files" leave out and what only works inside the repository.
 */
import {execa} from 'execa'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {ROOT, waitFor} from '../helpers/strom.js'
import {KCAT, describeWithClients, freePort, kcat} from './serve-harness.js'

let work: string
let installed: string
let strom: string

async function run(args: string[], input?: string) {
  const result = await execa(strom, args, {input, reject: false, stripFinalNewline: false, env: {NO_COLOR: '1'}})
  return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode}
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'strom-packed-'))
  // --ignore-scripts: the suite runs after `npm run build` (npm test); `prepare` would rebuild dist/
  // under the integration tests running next to this one.
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {cwd: ROOT})
  const tarball = path.join(work, (JSON.parse(packed.stdout) as {filename: string}[])[0].filename)
  const prefix = path.join(work, 'prefix')
  fs.mkdirSync(prefix)
  await execa('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--omit=dev', tarball], {cwd: work})
  installed = path.join(prefix, 'node_modules', 'strom')
  strom = path.join(prefix, 'node_modules', '.bin', 'strom')
}, 600_000)

afterAll(() => {
  if (work !== undefined) fs.rmSync(work, {recursive: true, force: true})
})

describeWithClients('the packed npm package, installed', [KCAT], () => {
  it('ships the oclif manifest and prints help', async () => {
    expect(fs.existsSync(path.join(installed, 'oclif.manifest.json'))).toBe(true)
    expect(fs.existsSync(path.join(installed, 'src'))).toBe(false)
    const help = await run(['--help'])
    expect(help.stderr).toBe('')
    expect(help.exitCode).toBe(0)
    expect(help.stdout).toContain('COMMANDS')
  })

  it('produces, consumes and shows a top snapshot', async () => {
    const dir = path.join(work, 'logs')
    expect((await run(['produce', 'packed', '--create', '--dir', dir], 'one\ntwo\n')).exitCode).toBe(0)
    const consumed = await run(['consume', 'packed', '--dir', dir])
    expect(consumed).toEqual({stdout: 'one\ntwo\n', stderr: '', exitCode: 0})
    const top = await run(['top', '--dir', dir])
    expect(top.exitCode).toBe(0)
    expect(top.stdout).toContain('packed')
  })

  it('serves the directory to kcat', async () => {
    const dir = path.join(work, 'served')
    expect((await run(['produce', 'served', '--create', '--dir', dir], 'x\n')).exitCode).toBe(0)
    const port = await freePort()
    const child = execa(strom, ['serve', '--listen', `127.0.0.1:${port}`, '--dir', dir], {reject: false, env: {NO_COLOR: '1'}, buffer: false, stdin: 'ignore'})
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout!.resume()
    try {
      await waitFor(() => stderr.includes('strom serve: listening on') || child.exitCode !== null, 15_000)
      expect(stderr).toContain('listening on')
      const listed = await kcat(['-b', `127.0.0.1:${port}`, '-L'])
      expect(listed.exitCode).toBe(0)
      expect(listed.stdout).toContain('topic "served"')
    } finally {
      child.kill('SIGTERM')
      await child
    }
  })
})
