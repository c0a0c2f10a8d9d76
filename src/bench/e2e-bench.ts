/**
 * End-to-end latency through real processes: a `strom produce` fed at a fixed rate with lines that
 * carry their send time, and a `strom consume -f` whose stdout is read here. Latency is the time
 * from writing a line into the producer's stdin to reading it from the follower's stdout. The two
 * processes work on a log directory or, through `target`, on a Kafka cluster (or `strom serve`).
 */
import {spawn} from 'node:child_process'
import readline from 'node:readline'
import {LatencySummary, summarizeLatencies} from './stats.js'

export interface E2eOptions {
  bin: string
  /** Where both processes work: `['--dir', DIR]`, or `['--bootstrap-server', HOST:PORT]` and its options. */
  target: string[]
  /** Extra flags for the producer only (e.g. `--acks 1` against a cluster). */
  produceFlags?: string[]
  topic: string
  ratePerSecond: number
  seconds: number
  warmupMessages: number
}

export async function benchEndToEnd(options: E2eOptions): Promise<LatencySummary & {ratePerSecond: number}> {
  const base = [options.bin]
  // From the first record at or after now, not from the end when the follower gets going: on a
  // loaded machine it may start after the first lines were produced, and must not miss them.
  const follower = spawn(process.execPath, [...base, 'consume', options.topic, '-f', '-o', `@${Date.now()}`, ...options.target], {stdio: ['ignore', 'pipe', 'inherit']})
  const producer = spawn(process.execPath, [...base, 'produce', options.topic, ...options.target, ...(options.produceFlags ?? [])], {stdio: ['pipe', 'ignore', 'inherit']})
  const total = Math.round(options.ratePerSecond * options.seconds) + options.warmupMessages
  const latencies: number[] = []
  let received = 0
  const done = new Promise<void>((resolve) => {
    readline.createInterface({input: follower.stdout!}).on('line', (line) => {
      const sentNs = BigInt(line.split(' ')[1] ?? '0')
      received++
      if (received > options.warmupMessages) latencies.push(Number(process.hrtime.bigint() - sentNs) / 1e6)
      if (received >= total) resolve()
    })
  })
  // Give both processes time to start before the clock matters.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const intervalMs = 1000 / options.ratePerSecond
  const startMs = performance.now()
  for (let i = 0; i < total; i++) {
    const due = startMs + i * intervalMs
    const wait = due - performance.now()
    if (wait > 2) await new Promise((resolve) => setTimeout(resolve, wait - 1))
    // Yield to the event loop while waiting out the last millisecond, so the pipe is really written.
    do await new Promise((resolve) => setImmediate(resolve))
    while (performance.now() < due)
    producer.stdin!.write(`${i} ${process.hrtime.bigint()}\n`)
  }
  // The timer is cleared once the lines are in: a pending 10 s timer kept the process alive that
  // long after the results were printed.
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 10_000)
  })
  await Promise.race([done, timeout])
  clearTimeout(timer)
  producer.stdin!.end()
  const exited = [follower, producer].map((child) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve))))
  follower.kill('SIGTERM')
  producer.kill('SIGTERM')
  await Promise.all(exited)
  return {...summarizeLatencies(latencies), ratePerSecond: options.ratePerSecond}
}
