// Costs that must not grow with a log's history (issue #19), as `npm run bench` rows: producing
// into many small segments, opening a partition of many segments, many partitions under a small
// descriptor limit, keyed produce into a compacted topic (compaction runs beside it, never inside an
// append), and another client's latency through `strom serve` while a partition is compacted.
// Each pair of variants runs interleaved (A, B, B, A, ...), median (min–max).
//
// Sizes (environment; the defaults are the issue's): BENCH_HISTORY_BYTES (1.1 GB produced per
// segment-size run), BENCH_HISTORY_SEGMENTS (10,000), BENCH_HISTORY_PARTITIONS (10,000, with 10
// messages each), BENCH_HISTORY_KEYED_BYTES (110 MB of keyed lines), BENCH_HISTORY_COMPACT_BYTES
// (100 MB compacted under the probe), BENCH_HISTORY_PROBE_SECONDS (5, each idle window),
// BENCH_HISTORY_RUNS (3). BENCH_HISTORY=0 leaves them out; BENCH_HISTORY_CASES=2,4 runs only those.
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {benchDir, fmt, median, quantile, sh, startServe} from './lib.mjs'

const root = path.resolve(benchDir, '..')
const bin = path.join(root, 'bin', 'run.js')
const strom = `node ${bin}`
const MiB = 1024 * 1024

const range = (values, unit = (v) => fmt(v)) => `${unit(median(values))} (${unit(Math.min(...values))}–${unit(Math.max(...values))})`
const ms = (v) => `${v.toFixed(v < 1 ? 2 : v < 10 ? 1 : 0)} ms`
const seconds = (v) => `${v.toFixed(1)} s`
const verdict = (ok) => (ok ? 'met' : 'missed')

/** Interleaves the variants: round r runs them in order when r is even, reversed when odd. */
function interleaved(rounds, variants, run) {
  const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(variants)
    if (round % 2 === 1) names.reverse()
    for (const name of names) results[name].push(run(name, variants[name], round))
  }
  return results
}

const segmentCount = (dir, topic, partition = 0) => fs.readdirSync(path.join(dir, 'topics', topic, String(partition))).filter((f) => f.endsWith('.log')).length

/** Waits until no detached `strom log clean` works on `dir` (so it does not weigh on the next run). */
function cleanersDone(dir) {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let i = 0; i < 1200; i++) {
    // [l]og: the pattern must not match the command line of the shell running pgrep.
    if (sh(`pgrep -f -- '[l]og clean .*--dir ${dir}' || true`).stdout.trim() === '') return
    Atomics.wait(pause, 0, 0, 100)
  }
}

/**
 * Starts bench/latency-probe.mjs with --timeline; `stop()` ends it (SIGTERM) and resolves to its
 * round trips as [start, milliseconds]. The child keeps this process's event loop alive, so the
 * caller can still reap the compaction it watches.
 */
function startProbe(bootstrap, topic) {
  const child = spawn(process.execPath, [path.join(benchDir, 'latency-probe.mjs'), '--bootstrap', bootstrap, '--topic', topic, '--timeline'], {stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  const exited = new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout).timeline) : reject(new Error(`latency probe failed (${code})`)))))
  const ready = new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString()
      if (text.includes('ready\n')) resolve()
      const rest = text.replace('ready\n', '')
      if (rest !== '') process.stderr.write(rest)
    })
    exited.then(() => reject(new Error('latency probe ended before its first round trip')), reject)
  })
  return {
    /** Resolves after the probe's first round trip. */
    ready,
    stop() {
      child.kill('SIGTERM')
      return exited
    },
  }
}

/** p50/p99 of the round trips sent in [from, to). */
function windowStats(timeline, from, to) {
  const rtts = timeline.filter(([start]) => start >= from && start < to).map(([, rtt]) => rtt)
  if (rtts.length === 0) throw new Error(`the latency probe sent nothing from ${new Date(from).toISOString()}${Number.isFinite(to) ? ` to ${new Date(to).toISOString()}` : ' on'}`)
  rtts.sort((a, b) => a - b)
  return {count: rtts.length, p50Ms: quantile(rtts, 0.5), p99Ms: quantile(rtts, 0.99)}
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export async function historyCases({data, lines, keyed, lineCount, log = (line) => process.stderr.write(line + '\n')}) {
  const runs = Number(process.env.BENCH_HISTORY_RUNS ?? 3)
  const sizes = {
    segmentsBytes: Number(process.env.BENCH_HISTORY_BYTES ?? 1.1e9),
    segments: Number(process.env.BENCH_HISTORY_SEGMENTS ?? 10_000),
    partitions: Number(process.env.BENCH_HISTORY_PARTITIONS ?? 10_000),
    keyedBytes: Number(process.env.BENCH_HISTORY_KEYED_BYTES ?? 110e6),
    compactBytes: Number(process.env.BENCH_HISTORY_COMPACT_BYTES ?? 100e6),
    probeSeconds: Number(process.env.BENCH_HISTORY_PROBE_SECONDS ?? 5),
  }
  const work = path.join(data, 'history')
  const fresh = (name) => {
    const dir = path.join(work, name)
    fs.rmSync(dir, {recursive: true, force: true})
    fs.mkdirSync(dir, {recursive: true})
    return dir
  }
  const feed = (file, bytes) => {
    const repeats = Math.max(1, Math.round(bytes / fs.statSync(file).size))
    return {command: `for i in $(seq ${repeats}); do cat ${file}; done`, messages: repeats * lineCount, bytes: repeats * fs.statSync(file).size}
  }
  // BENCH_HISTORY_CASES=1,4 runs only those (numbered as below), to look at one again.
  const only = process.env.BENCH_HISTORY_CASES?.split(',').map(Number)
  const wanted = (n) => only === undefined || only.includes(n)
  const rows = []
  const row = (name, cells) => {
    rows.push({name, ...cells})
    log(`${name}: ${cells.figure} (${cells.verdict})`)
  }

  // 1. A roll costs the same however many segments exist: 1 MiB segments against the default 1 GiB.
  if (wanted(1)) {
    const input = feed(lines, sizes.segmentsBytes)
    const segments = {}
    const rates = interleaved(runs, {default: [], small: ['-c', `segment.bytes=${MiB}`]}, (name, config) => {
      const dir = fresh(`segments-${name}`)
      sh(`${strom} topic create t ${config.join(' ')} --dir ${dir}`)
      const {seconds: s} = sh(`${input.command} | ${strom} produce t --dir ${dir}`)
      segments[name] = segmentCount(dir, 't')
      fs.rmSync(dir, {recursive: true, force: true})
      return input.messages / s
    })
    const ratio = median(rates.small) / median(rates.default)
    row(`\`produce\` of ${(input.bytes / 1e9).toFixed(2)} GB (1 partition) into 1 MiB segments (${segments.small.toLocaleString('en')} segments) against the default size (${segments.default})`, {
      figure: `${range(rates.small)} against ${range(rates.default)} msgs/s: ${ratio.toFixed(2)}×`,
      target: '≥ 0.8×',
      verdict: verdict(ratio >= 0.8),
    })
  }

  // 2. An open costs the same: `consume -n 1` on a partition of many segments against one segment.
  if (wanted(2)) {
    const linesPerSegment = 8 // about 110 B each: one 900 B batch fills a 1 KiB segment
    const many = fresh('open-many')
    const one = fresh('open-one')
    const input = `head -n ${sizes.segments * linesPerSegment} ${lines}`
    sh(`${strom} topic create t -c segment.bytes=1024 --dir ${many} && ${input} | ${strom} produce t --batch-size 900 --dir ${many}`)
    sh(`${strom} topic create t --dir ${one} && ${input} | ${strom} produce t --dir ${one}`)
    const count = segmentCount(many, 't')
    const times = interleaved(runs * 5, {many, one}, (_name, dir) => sh(`${strom} consume t -n 1 --dir ${dir} > /dev/null`).seconds * 1000)
    const ratio = median(times.many) / median(times.one)
    row(`\`consume -n 1\` on a partition of ${count.toLocaleString('en')} segments against the same data in ${segmentCount(one, 't')} segment`, {
      figure: `${range(times.many, ms)} against ${range(times.one, ms)}: ${ratio.toFixed(2)}×`,
      target: '≤ 1.5×',
      verdict: verdict(ratio <= 1.5),
    })
    fs.rmSync(many, {recursive: true, force: true})
    fs.rmSync(one, {recursive: true, force: true})
  }

  // 3. Open descriptors are bounded: a topic of many partitions under `ulimit -n 1024`.
  if (wanted(3)) {
    const dir = fresh('partitions')
    const messages = sizes.partitions * 10
    sh(`${strom} topic create big -p ${sizes.partitions} --dir ${dir}`)
    let figure
    let ok = false
    try {
      const produced = sh(`ulimit -n 1024 && seq 1 ${messages} | ${strom} produce big --partitioner round-robin --dir ${dir}`)
      const consumed = sh(`ulimit -n 1024 && ${strom} consume big --dir ${dir} | wc -l`)
      const back = Number(consumed.stdout.trim())
      ok = back === messages
      figure = `produce ${seconds(produced.seconds)}, consume ${seconds(consumed.seconds)}, ${back.toLocaleString('en')} of ${messages.toLocaleString('en')} messages back`
    } catch (error) {
      figure = `failed: ${String(error.message).split('\n').slice(1).join(' ').trim().slice(0, 200)}`
    }
    row(`produce and consume, ${sizes.partitions.toLocaleString('en')} partitions, under \`ulimit -n 1024\``, {figure, target: 'works', verdict: ok ? 'met' : 'missed'})
    fs.rmSync(dir, {recursive: true, force: true})
  }

  // 4. Compaction off the append path: keyed produce into a compacted topic against a delete topic.
  if (wanted(4)) {
    const input = feed(keyed, sizes.keyedBytes)
    const rates = interleaved(runs, {compact: ['-c', 'cleanup.policy=compact'], delete: []}, (name, config) => {
      const dir = fresh(`keyed-${name}`)
      sh(`${strom} topic create t -c segment.bytes=${MiB} ${config.join(' ')} --dir ${dir}`)
      const {seconds: s} = sh(`${input.command} | ${strom} produce t -K: --dir ${dir}`)
      // The cleaner the rolls started goes on after the producer exits: not into the next run.
      cleanersDone(dir)
      fs.rmSync(dir, {recursive: true, force: true})
      return input.messages / s
    })
    const compact = rates.compact
    const del = rates.delete
    const ratio = median(compact) / median(del)
    row(`keyed \`produce -K:\` of ${(input.bytes / 1e6).toFixed(0)} MB into 1 MiB segments, compacted topic against a delete topic`, {
      figure: `${range(compact)} against ${range(del)} msgs/s: ${ratio.toFixed(2)}×`,
      target: '≥ 0.8×',
      verdict: verdict(ratio >= 0.8),
    })
  }

  // 5. Another client's round trips through `strom serve` while a partition is compacted: each round
  // compacts a fresh copy of the data under one probe client that runs from before the compaction
  // to after it, warm (its first second, the client's own start, is not counted). Its round trips
  // are cut into three windows: before, during and after the compaction; the higher p99 of before
  // and after is the round's idle baseline, the ratio the rounds' median. (A probe started with the
  // compaction counted its own cold start as "during": the compaction lasts about a second, so the
  // first slow round trips of a new client were a percent of the window.)
  if (wanted(5)) {
    const dir = fresh('compact-latency')
    const input = feed(keyed, sizes.compactBytes)
    sh(`${strom} topic create probe --dir ${dir}`)
    const serve = await startServe(dir)
    const rounds = []
    try {
      for (let round = 0; round < runs; round++) {
        const topic = `c${round}`
        // min.cleanable.dirty.ratio 1: no background compaction while it is written; `log compact` forces it.
        sh(`${strom} topic create ${topic} -c cleanup.policy=compact -c segment.bytes=${MiB} -c min.cleanable.dirty.ratio=1 --dir ${dir}`)
        sh(`${input.command} | ${strom} produce ${topic} -K: --dir ${dir}`)
        const probe = startProbe(serve.bootstrap, 'probe')
        await probe.ready
        const warm = Date.now() + 1000
        await sleep(1000 + sizes.probeSeconds * 1000)
        const started = Date.now()
        const compaction = spawn(process.execPath, [bin, 'log', 'compact', topic, '--dir', dir], {stdio: 'ignore'})
        await new Promise((resolve) => compaction.once('exit', resolve))
        const ended = Date.now()
        await sleep(sizes.probeSeconds * 1000)
        const timeline = await probe.stop()
        const before = windowStats(timeline, warm, started)
        const during = windowStats(timeline, started, ended)
        const after = windowStats(timeline, ended, Infinity)
        const idleP99 = Math.max(before.p99Ms, after.p99Ms)
        rounds.push({during, idleP99, compactSeconds: (ended - started) / 1000, ratio: during.p99Ms / idleP99})
        log(`compaction latency round ${round + 1}: during p99 ${ms(during.p99Ms)} (${during.count} round trips), before ${ms(before.p99Ms)}, after ${ms(after.p99Ms)}`)
        sh(`${strom} topic delete ${topic} --force --dir ${dir}`)
      }
      const ratios = rounds.map((r) => r.ratio)
      const ratio = median(ratios)
      row(`another client's produce round trip (one 100 B record, acks=1) through \`strom serve\` while ${(input.bytes / 1e6).toFixed(0)} MB are compacted (${rounds.map((r) => seconds(r.compactSeconds)).join(', ')}; ${runs} rounds)`, {
        figure: `p99 ${range(rounds.map((r) => r.during.p99Ms), ms)} (p50 ${ms(median(rounds.map((r) => r.during.p50Ms)))}, ${rounds.map((r) => r.during.count).join('/')} round trips) against ${range(rounds.map((r) => r.idleP99), ms)} idle (the higher of before and after): ${range(ratios, (v) => `${v.toFixed(2)}×`)}`,
        target: '≤ 2×',
        verdict: verdict(ratio <= 2),
      })
    } finally {
      serve.child.kill('SIGTERM')
      await new Promise((resolve) => serve.child.once('exit', resolve))
      fs.rmSync(dir, {recursive: true, force: true})
    }
  }

  const table = `| case | figure | target | |\n|---|---|---|---|\n${rows.map((r) => `| ${r.name} | ${r.figure} | ${r.target} | ${r.verdict} |`).join('\n')}\n`
  return {rows, markdown: table}
}
