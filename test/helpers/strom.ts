/**
 * Test helpers: a fresh log directory per test and a runner for the real `bin/run.js` (built
 * output), exactly as a user would run it, with stdin, env and exit codes.
 */
import {execa, type ResultPromise} from 'execa'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = path.join(ROOT, 'bin', 'run.js')

const createdDirs: string[] = []

/**
 * Node options of the short commands a test awaits (strom, stromBuffer):
 * `--no-concurrent-recompilation`. Node can deadlock at process shutdown when a background TurboFan job needs a GC while the main thread waits for it in
 * NodePlatform::DrainTasks (nodejs/node#54918): the command is done, its output written, but the
 * process never exits and the test waits until its own timeout. Optimizing on the main thread
 * removes that background job; short commands do not notice the difference. Long-lived processes
 * (spawnStrom, pipelines in sh) run with Node's defaults: a group member optimizing on its main
 * thread pauses longer between reading a batch and printing it, which tests of timing-sensitive
 * coordination (paused group members) should not be given.
 */
const NODE_ARGS = ['--no-concurrent-recompilation']
/** A command that has not ended by then is killed and its result says so (exit code -1). */
const CLI_TIMEOUT_MS = 120_000

function timedOutNote(result: {timedOut?: boolean}): string {
  return result.timedOut ? `\n[test helper: killed after ${CLI_TIMEOUT_MS / 1000} s without exiting]\n` : ''
}

/** Removes the scratch directories made so far (called after each test file, see setup.ts). */
export function removeTmpLogDirs(): void {
  if (process.env.STROM_KEEP_TEST_DIRS) return
  for (const dir of createdDirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
}

export function tmpLogDir(prefix = 'strom-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  createdDirs.push(dir)
  return dir
}

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

export interface RunOptions {
  input?: string | Buffer
  env?: Record<string, string>
  encoding?: 'utf8' | 'buffer'
}

export async function strom(dir: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execa('node', [...NODE_ARGS, BIN, ...args, '--dir', dir], {
    input: options.input,
    env: {NO_COLOR: '1', ...options.env},
    reject: false,
    stripFinalNewline: false,
    timeout: CLI_TIMEOUT_MS,
  })
  return {stdout: String(result.stdout), stderr: String(result.stderr) + timedOutNote(result), exitCode: result.exitCode ?? -1}
}

export async function stromBuffer(dir: string, args: string[], input?: Buffer): Promise<{stdout: Buffer; stderr: string; exitCode: number}> {
  const result = await execa('node', [...NODE_ARGS, BIN, ...args, '--dir', dir], {input, env: {NO_COLOR: '1'}, reject: false, encoding: 'buffer', stripFinalNewline: false, timeout: CLI_TIMEOUT_MS})
  return {stdout: Buffer.from(result.stdout as Uint8Array), stderr: Buffer.from(result.stderr as Uint8Array).toString() + timedOutNote(result), exitCode: result.exitCode ?? -1}
}

/** Starts strom without waiting, for followers and concurrent producers. */
export function spawnStrom(dir: string, args: string[], options: {input?: string} = {}): ResultPromise {
  // Long-lived (followers, group members, concurrent producers): their timing is part of what such
  // tests exercise, so they keep Node's defaults (see NODE_ARGS).
  return execa('node', [BIN, ...args, '--dir', dir], {input: options.input, env: {NO_COLOR: '1'}, reject: false, stripFinalNewline: false, buffer: true})
}

export async function sh(command: string, env: Record<string, string> = {}): Promise<RunResult> {
  const result = await execa('bash', ['-o', 'pipefail', '-c', command], {env: {NO_COLOR: '1', STROM: `node ${BIN}`, ...env}, reject: false, stripFinalNewline: false})
  return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1}
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, stepMs))
  }
  throw new Error('timed out waiting for condition')
}

export function lines(n: number, from = 1): string {
  let out = ''
  for (let i = from; i < from + n; i++) out += `${i}\n`
  return out
}
