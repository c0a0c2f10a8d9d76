/**
 * Stopping cleanly: a signal in the middle of an input line does not store the half line; a
 * consumer whose downstream never reads stops within 2 s of SIGINT, and in a group commits
 * exactly what it wrote out; an over-long input line is refused early, in linear time. ingest of
 * a file that keeps growing, a large mirror, and serve with a client that never reads its socket
 * stop within 2 s too, with nothing lost or doubled on a rerun.
 */
import {execFileSync, spawn} from 'node:child_process'
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import net from 'node:net'
import {Writer} from '../../src/server/protocol/writer.js'
import {BIN, sh, strom, tmpLogDir, waitFor} from '../helpers/strom.js'
import {requestFrame, startServe} from './serve-harness.js'

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

/**
 * A writer appending to a file without pause (200 numbered lines a millisecond at most, about what
 * ingest keeps up with on a loaded machine), until it is killed.
 */
function startWriter(file: string): ReturnType<typeof spawn> {
  const script = `const fs = require('fs'); const fd = fs.openSync(process.argv[1], 'a'); let i = 1
    const write = () => { let s = ''; for (let k = 0; k < 200; k++) s += 'line ' + (i++) + '\\n'; fs.writeSync(fd, s); setTimeout(write, 1) }
    write()`
  return spawn('node', ['-e', script, file], {stdio: 'ignore'})
}

async function stopWriter(writer: ReturnType<typeof spawn>): Promise<void> {
  const exited = new Promise((resolve) => writer.on('exit', resolve))
  writer.kill('SIGKILL')
  await exited
}

/** `strom ingest t DIR/*.log` following a file that keeps growing, with its exit code and when it ended. */
function startIngest(dir: string, pattern: string): {child: ReturnType<typeof spawn>; exited: () => Promise<{code: number | null; at: number}>; stderr: () => string} {
  const child = spawn('node', [BIN, 'ingest', 't', pattern, '--create', '--poll-ms', '50', '--dir', dir], {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
  let stderr = ''
  child.stderr!.on('data', (data: Buffer) => { stderr += data.toString() })
  const exited = new Promise<{code: number | null; at: number}>((resolve) => child.on('exit', (code) => resolve({code, at: Date.now()})))
  return {child, exited: () => exitedWithin(child, exited), stderr: () => stderr}
}

/** `exited`, or 10 s from now a SIGKILL and a failure (a stuck command is not left behind). */
function exitedWithin<T>(child: ReturnType<typeof spawn>, exited: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('still running 10 s after the signal'))
    }, 10_000)
  })
  return Promise.race([exited, stuck]).finally(() => clearTimeout(timer))
}

/** Messages in topic t so far (the sum of its partitions' end offsets). */
async function topicCount(dir: string): Promise<number> {
  const described = await strom(dir, ['topic', 'describe', 't', '--json'])
  if (described.exitCode !== 0) return 0
  return (JSON.parse(described.stdout) as {partitions: Array<{endOffset: number}>}).partitions.reduce((n, p) => n + p.endOffset, 0)
}

/** The read position ingest saved for `file` (read-positions.ts: one JSON file per followed file). */
function savedPosition(dir: string, file: string): number {
  const positions = path.join(dir, 'ingest', 't')
  for (const name of fs.readdirSync(positions).filter((n) => n.endsWith('.json'))) {
    const saved = JSON.parse(fs.readFileSync(path.join(positions, name), 'utf8')) as {path: string; position: number}
    if (saved.path === file) return saved.position
  }
  throw new Error(`no read position saved for ${file}`)
}

describe('ingest following a file that keeps growing', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`stops within 2 s of ${signal} with ${code}; its saved position is exactly what reached the topic, and a rerun neither loses nor repeats a line`, async () => {
      const dir = tmpLogDir()
      const logs = path.join(dir, 'files')
      fs.mkdirSync(logs)
      const file = path.join(logs, 'app.log')
      fs.writeFileSync(file, '')
      const writer = startWriter(file)
      const ingest = startIngest(dir, path.join(logs, '*.log'))
      try {
        await waitFor(async () => (await topicCount(dir)) >= 50_000, 30_000, 100)
        const started = Date.now()
        ingest.child.kill(signal)
        const {code: exitCode, at} = await ingest.exited()
        expect(exitCode).toBe(code)
        expect(at - started).toBeLessThan(2000)
        // What the topic holds is the file's first `position` bytes, line by line, once each.
        const position = savedPosition(dir, file)
        const head = fs.readFileSync(file).subarray(0, position).toString()
        expect(head.endsWith('\n')).toBe(true)
        const ingested = (await strom(dir, ['consume', 't'])).stdout
        expect(ingested.length).toBe(head.length)
        expect(ingested === head).toBe(true)
      } finally {
        ingest.child.kill('SIGKILL')
        await stopWriter(writer)
      }
      // Restarted, it reads on from there: the topic is then the whole file, each line once.
      expect((await strom(dir, ['ingest', 't', path.join(logs, '*.log'), '--once'])).exitCode).toBe(0)
      const all = fs.readFileSync(file, 'utf8')
      const complete = all.slice(0, all.lastIndexOf('\n') + 1)
      const ingested = (await strom(dir, ['consume', 't'])).stdout
      expect(ingested.length).toBe(complete.length)
      expect(ingested === complete).toBe(true)
    }, 90_000)
  }

  it('a second SIGINT while it stops ends it at once with 130', async () => {
    const dir = tmpLogDir()
    const logs = path.join(dir, 'files')
    fs.mkdirSync(logs)
    const file = path.join(logs, 'app.log')
    fs.writeFileSync(file, '')
    const writer = startWriter(file)
    const ingest = startIngest(dir, path.join(logs, '*.log'))
    try {
      await waitFor(async () => (await topicCount(dir)) >= 50_000, 30_000, 100)
      const started = Date.now()
      ingest.child.kill('SIGINT')
      ingest.child.kill('SIGINT')
      const {code, at} = await ingest.exited()
      expect(code).toBe(130)
      expect(at - started).toBeLessThan(2000)
    } finally {
      ingest.child.kill('SIGKILL')
      await stopWriter(writer)
    }
  }, 60_000)
})

/** Messages in topic t of a log directory (the sum of its partitions' end offsets; 0 before it exists). */
async function countIn(dir: string): Promise<number> {
  return fs.existsSync(dir) ? topicCount(dir) : 0
}

/** `strom mirror dir:A dir:B --topic t` started in the background, with its exit code and when it ended. */
function startMirror(a: string, b: string, state: string, extra: string[] = []): {child: ReturnType<typeof spawn>; exited: () => Promise<{code: number | null; at: number}>} {
  const child = spawn('node', [BIN, 'mirror', `dir:${a}`, `dir:${b}`, '--topic', 't', '--state', state, ...extra], {stdio: ['ignore', 'ignore', 'ignore'], env: {...process.env, NO_COLOR: '1'}})
  const exited = new Promise<{code: number | null; at: number}>((resolve) => child.on('exit', (code) => resolve({code, at: Date.now()})))
  return {child, exited: () => exitedWithin(child, exited)}
}

/** Each partition's values, in order, one line each. */
async function partitions(dir: string, count: number): Promise<string[]> {
  const out: string[] = []
  for (let p = 0; p < count; p++) out.push((await strom(dir, ['consume', 't', '-p', String(p)])).stdout)
  return out
}

describe('mirror dir → dir stopped by a signal', () => {
  it('a large copy stops within 2 s of SIGINT with 130; a rerun completes it, every message once per partition', async () => {
    const root = tmpLogDir()
    const [a, b, state] = [path.join(root, 'A'), path.join(root, 'B'), path.join(root, 'state.json')]
    expect((await sh(`seq 1 3000000 | $STROM produce t --create --partitions 3 --dir ${a}`)).exitCode).toBe(0)
    const mirror = startMirror(a, b, state)
    try {
      await waitFor(async () => (await countIn(b)) >= 100_000, 30_000, 50)
      const started = Date.now()
      mirror.child.kill('SIGINT')
      const {code, at} = await mirror.exited()
      expect(code).toBe(130)
      expect(at - started).toBeLessThan(2000)
    } finally {
      mirror.child.kill('SIGKILL')
    }
    const copied = await countIn(b)
    expect(copied).toBeLessThan(3_000_000)
    const source = await partitions(a, 3)
    // What was copied is, in every partition, the start of the source's partition.
    for (const [p, values] of (await partitions(b, 3)).entries()) expect(source[p].startsWith(values)).toBe(true)

    const rerun = await execa('node', [BIN, 'mirror', `dir:${a}`, `dir:${b}`, '--topic', 't', '--state', state], {reject: false, env: {NO_COLOR: '1'}})
    expect(rerun.exitCode).toBe(0)
    const destination = await partitions(b, 3)
    for (let p = 0; p < 3; p++) {
      expect(destination[p].length).toBe(source[p].length)
      expect(destination[p] === source[p]).toBe(true)
    }
  }, 120_000)

  it('--follow, caught up and waiting: SIGTERM stops it within 2 s with 143, a second signal at once', async () => {
    const root = tmpLogDir()
    const [a, b, state] = [path.join(root, 'A'), path.join(root, 'B'), path.join(root, 'state.json')]
    expect((await strom(a, ['topic', 'create', 't', '--partitions', '3'])).exitCode).toBe(0)
    let total = 0
    for (const signals of [['SIGTERM'], ['SIGINT', 'SIGINT']] as const) {
      // New messages for each run: all copied is the sign that this run is up (and its signal handlers).
      expect((await sh(`seq ${total + 1} ${total + 1000} | $STROM produce t --dir ${a}`)).exitCode).toBe(0)
      total += 1000
      const mirror = startMirror(a, b, state, ['--follow'])
      try {
        await waitFor(async () => (await countIn(b)) === total, 30_000, 50)
        const started = Date.now()
        for (const signal of signals) mirror.child.kill(signal)
        const {code, at} = await mirror.exited()
        expect(code).toBe(signals[0] === 'SIGTERM' ? 143 : 130)
        expect(at - started).toBeLessThan(2000)
      } finally {
        mirror.child.kill('SIGKILL')
      }
    }
    expect(await partitions(b, 3)).toEqual(await partitions(a, 3))
  }, 60_000)
})

/** A Fetch v4 body: every partition of `topic` from offset 0, up to 1 MiB each (50 MiB in all). */
function fetchAll(topic: string, partitions: number): Buffer {
  const w = new Writer()
  w.int32(-1).int32(500).int32(1).int32(50 * 1024 * 1024).int8(0)
  w.array([0], (tw) => tw.string(topic).array(Array.from({length: partitions}, (_, p) => p), (pw, p) => pw.int32(p).int64(0).int32(1024 * 1024)))
  return Buffer.from(w.toBuffer())
}

describe.skipIf(process.platform !== 'linux')('serve with a client that never reads its socket', () => {
  for (const signals of [['SIGTERM'], ['SIGINT', 'SIGINT']] as const) {
    const code = signals[0] === 'SIGTERM' ? 143 : 130
    it(`${signals.join(' + ')} stops it within 2 s with ${code}`, async () => {
      const dir = tmpLogDir()
      expect((await sh(`seq 1 2000000 | $STROM produce t --create --partitions 3 --dir ${dir}`)).exitCode).toBe(0)
      const serve = await startServe(dir)
      // Sends 30 pipelined fetches (90 MiB of answers) and reads nothing: the server's writes pile up.
      const client = net.connect(serve.port, '127.0.0.1')
      client.pause()
      client.on('error', () => {})
      try {
        await new Promise((resolve) => client.once('connect', resolve))
        for (let r = 0; r < 30; r++) client.write(requestFrame(1, 4, r, fetchAll('t', 3)))
        // Stuck: megabytes written (the first answers) and no more going out.
        let last = -1
        await waitFor(() => {
          const now = bytesWritten(serve.process.pid!)
          const stuck = now >= 1024 * 1024 && now === last
          last = now
          return stuck
        }, 30_000, 300)
        const started = Date.now()
        for (const signal of signals) serve.process.kill(signal)
        const result = await serve.process
        expect(result.exitCode).toBe(code)
        expect(Date.now() - started).toBeLessThan(2000)
      } finally {
        serve.process.kill('SIGKILL')
        client.destroy()
      }
    }, 60_000)
  }
})
