/**
 * Stopping cleanly: a signal in the middle of an input line does not store the half line; a
 * consumer whose downstream never reads stops within 2 s of SIGINT, and in a group commits
 * exactly what it wrote out; an over-long input line is refused early, in linear time.
 */
import {execFileSync, spawn} from 'node:child_process'
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, sh, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

describe('produce stopped by a signal', () => {
  it('SIGTERM in the middle of a line: only the complete lines are stored, exit 143', async () => {
    const dir = tmpLogDir()
    const child = execa('node', [BIN, 'produce', 't', '--create', '--dir', dir], {env: {NO_COLOR: '1'}, reject: false, buffer: true})
    child.stdin!.write('complete\npart')
    await waitFor(async () => (await strom(dir, ['consume', 't'])).stdout === 'complete\n', 20_000, 50)
    child.kill('SIGTERM')
    const result = await child
    expect(result.exitCode).toBe(143)
    expect(String(result.stderr)).toMatch(/interrupted in the middle of a message: its first 4 bytes were read but not written/)
    expect((await strom(dir, ['consume', 't'])).stdout).toBe('complete\n')
  })

  it('at a real end of input, a last line without a newline is still a message', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['produce', 't', '--create'], {input: 'complete\nlast'})).exitCode).toBe(0)
    expect((await strom(dir, ['consume', 't'])).stdout).toBe('complete\nlast\n')
  })
})

/**
 * Runs `consume -f` with stdout into a FIFO nobody reads until it exited; sends SIGINT once its
 * output is stuck. Returns its exit code, how long it took to stop, and what it wrote.
 */
async function consumeIntoStuckPipe(dir: string, extra: string[]): Promise<{code: number | null; ms: number; written: string}> {
  const fifo = path.join(dir, 'stdout.fifo')
  execFileSync('mkfifo', [fifo])
  // Read end held open (and never read) by the test: non-blocking, so it is drained at the end.
  const readFd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK)
  const writeFd = fs.openSync(fifo, fs.constants.O_WRONLY)
  const child = spawn('node', [BIN, 'consume', 't', '-f', '--dir', dir, ...extra], {stdio: ['ignore', writeFd, 'pipe'], env: {...process.env, NO_COLOR: '1'}})
  fs.closeSync(writeFd)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  // Stuck: the consumer has filled the pipe (64 KiB) and has more to write.
  await waitFor(() => bytesWritten(child.pid!) >= 65_536, 20_000, 50)
  const started = Date.now()
  child.kill('SIGINT')
  const code = await exited
  const ms = Date.now() - started
  const chunks: Buffer[] = []
  const buffer = Buffer.alloc(1 << 16)
  for (;;) {
    try {
      const n = fs.readSync(readFd, buffer, 0, buffer.length, null)
      if (n === 0) break
      chunks.push(Buffer.from(buffer.subarray(0, n)))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break
      throw error
    }
  }
  fs.closeSync(readFd)
  return {code, ms, written: Buffer.concat(chunks).toString()}
}

/** Bytes the process has written so far (Linux: /proc/PID/io); 0 until it is readable. */
function bytesWritten(pid: number): number {
  try {
    return Number(/wchar: (\d+)/.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

describe.skipIf(process.platform !== 'linux')('consume -f into a downstream that never reads', () => {
  it('stops within 2 s of SIGINT with exit 130', async () => {
    const dir = tmpLogDir()
    expect((await sh(`seq 1 300000 | $STROM produce t --create --dir ${dir}`)).exitCode).toBe(0)
    const result = await consumeIntoStuckPipe(dir, [])
    expect(result.code).toBe(130)
    expect(result.ms).toBeLessThan(2000)
  }, 60_000)

  it('with --group: stops within 2 s with 130, and the committed offset is exactly the lines written out', async () => {
    const dir = tmpLogDir()
    expect((await sh(`seq 1 300000 | $STROM produce t --create --dir ${dir}`)).exitCode).toBe(0)
    const result = await consumeIntoStuckPipe(dir, ['--group', 'g', '--reset', 'earliest'])
    expect(result.code).toBe(130)
    expect(result.ms).toBeLessThan(2000)
    const complete = result.written.split('\n').slice(0, -1)
    expect(complete.length).toBeGreaterThan(0)
    expect(complete.length).toBeLessThan(300_000)
    // In order from the first line: the output is lines 1..N (and at most part of line N+1).
    expect(complete[complete.length - 1]).toBe(String(complete.length))
    const described = await strom(dir, ['group', 'describe', 'g'])
    const row = described.stdout.split('\n').find((line) => /^t\s+0\s/.test(line))
    expect(row).toBeDefined()
    expect(Number(row!.trim().split(/\s+/)[2])).toBe(complete.length)
  }, 60_000)
})

describe('an over-long input line', () => {
  it('an 80 MB line is refused well under 5 s, naming the line and the limit', async () => {
    const dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 't'])).exitCode).toBe(0)
    const started = Date.now()
    const result = await sh(`{ echo first; head -c 80000000 /dev/zero | tr '\\0' a; echo; } | $STROM produce t --dir ${dir}`)
    const ms = Date.now() - started
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr.replace(/\s*›\s*/g, ' ')).toMatch(/input line 2 is longer than max\.message\.bytes \(\d+\)/)
    expect(ms).toBeLessThan(5000)
    expect((await strom(dir, ['consume', 't'])).stdout).toBe('first\n')
  }, 30_000)
})
