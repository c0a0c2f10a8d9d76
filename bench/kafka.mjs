#!/usr/bin/env node
// strom beside a real Apache Kafka 4.1 broker on the same machine and the same data (issue #19):
// Kafka's own perf tools, kcat, strom's produce/consume and end-to-end latency, each against the
// broker and against `strom serve` (and, for strom's own commands, a log directory), the variants
// of a case interleaved (A, B, A, B, ...), median (min–max); then each server's peak RSS (VmHWM).
//
// `npm run bench` runs it after its other cases (BENCH_KAFKA=0 skips it); `node bench/kafka.mjs`
// runs it alone and prints its table. BENCH_LINES sizes it (default 1,000,000 messages),
// BENCH_RUNS the rounds (default 5), BENCH_KAFKA_E2E_RUNS the latency rounds (default 3),
// BENCH_E2E_SECONDS each latency run (default 10), BENCH_E2E_RATE its rate (default 10,000 msgs/s,
// the issue's).
import {spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {benchDir, ensureLines, fmt, median, sh, startServe} from './lib.mjs'

const root = path.resolve(benchDir, '..')
const kafkaScript = path.join(root, 'scripts', 'kafka.sh')
// Its own state and port, never the test suite's broker (test/helpers/real-kafka.ts).
const KAFKA_STATE = '/tmp/strom-bench-kafka'
const KAFKA_PORT = 29092
const kafkaEnv = {...process.env, KAFKA_STATE, KAFKA_PORT: String(KAFKA_PORT)}
// The perf tools run as Kafka's own scripts run them (kafka-run-class.sh's G1 flags, the 512 MB heap
// of kafka-producer-perf-test.sh), not with kafka.sh's short-start flags (C1 only), which would
// make the client the bottleneck for both servers.
const toolEnv = {...kafkaEnv, KAFKA_RUN_JVM_OPTS: '-Xmx512M -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true'}
const tool = (mainClass, args) => `bash ${kafkaScript} run org.apache.kafka.tools.${mainClass} ${args}`

/**
 * bench/java/RateLatency.java compiled against Kafka's client (javac, once per source and
 * classpath, in the system's temp directory); returns the command prefix that runs it.
 */
function rateLatencyTool() {
  const source = path.join(benchDir, 'java', 'RateLatency.java')
  const classpath = sh(`bash ${kafkaScript} classpath`, {env: kafkaEnv}).stdout.trim()
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).update(classpath).digest('hex').slice(0, 16)
  const out = path.join(os.tmpdir(), `strom-bench-RateLatency-${hash}`)
  if (!fs.existsSync(path.join(out, 'RateLatency.class'))) {
    const staging = `${out}.${process.pid}`
    sh(`javac -nowarn -cp '${classpath}' -d ${staging} ${source}`)
    fs.renameSync(staging, out)
  }
  // The JVM flags of Kafka's perf tools (toolEnv), the client's logging kept quiet.
  return `java ${toolEnv.KAFKA_RUN_JVM_OPTS} -Dlog4j2.configurationFile=${path.join(root, 'test', 'kafka', 'log4j2.properties')} -cp '${out}:${classpath}' RateLatency`
}

/** Peak resident memory of a live process, from /proc (VmHWM), in MB. */
function peakRssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)
  return kb === null ? undefined : Number(kb[1]) / 1024
}

/** Why the Kafka rows cannot run here (java or the classpath missing), or undefined when they can. */
export function kafkaMissing() {
  const result = spawnSync('bash', [kafkaScript, 'classpath'], {encoding: 'utf8', env: kafkaEnv})
  if (result.status === 0) return undefined
  return result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `scripts/kafka.sh classpath failed (${result.status})`
}

const have = (bin) => spawnSync('bash', ['-c', `command -v ${bin}`]).status === 0

/**
 * Runs every case. `variants` of a case are run in turn, round after round, so a load spike on the
 * shared machine hits each about equally. Returns the markdown (a header line, the table, notes).
 */
export async function kafkaComparison({data, lines, lineCount, runs, e2eRuns, e2eSeconds, e2eRate = 10_000, log = (line) => process.stderr.write(line + '\n')}) {
  const strom = path.join(root, 'bin', 'run.js')
  const stromCmd = `node ${strom}`
  const notes = []
  const load = [os.loadavg()]
  const work = path.join(data, 'kafka')
  fs.rmSync(work, {recursive: true, force: true})
  fs.mkdirSync(work, {recursive: true})

  log(`starting Kafka (state ${KAFKA_STATE}, port ${KAFKA_PORT}) ...`)
  const version = /Kafka (\S+) ready/.exec(sh(`bash ${kafkaScript} up`, {env: kafkaEnv}).stderr)?.[1] ?? '4.x'
  let serve
  try {
    const kafka = `127.0.0.1:${KAFKA_PORT}`
    // With the broker's group.initial.rebalance.delay.ms (0, scripts/kafka.sh).
    serve = await startServe(path.join(work, 'served'), ['--group-initial-rebalance-delay-ms', '0'])
    const servers = {kafka: kafka, serve: serve.bootstrap}
    const createTopic = (bootstrap, topic, partitions) => sh(`${stromCmd} topic create ${topic} -p ${partitions} --bootstrap-server ${bootstrap} > /dev/null`)
    const rows = []

    /**
     * One case: `variants` maps a column (kafka, serve, dir) to {prepare(round), run(context) → a
     * rate or a latency record}. Rounds interleave the columns.
     */
    function measureCase(name, variants, {rounds = runs, kind = 'rate'} = {}) {
      const results = Object.fromEntries(Object.keys(variants).map((column) => [column, []]))
      for (let round = 0; round < rounds; round++) {
        for (const [column, variant] of Object.entries(variants)) {
          const context = variant.prepare?.(round) ?? {}
          results[column].push(variant.run(context, round))
        }
      }
      const row = {name, kind, results}
      rows.push(row)
      const summary = Object.entries(results).map(([column, values]) => `${column} ${kind === 'rate' ? fmt(median(values)) : `p99 ${median(values.map((v) => v.p99))} ms`}`).join(', ')
      log(`${name}: ${summary}`)
      return row
    }
    const rate = (command, count = lineCount, check) => {
      const {seconds, stdout} = sh(command)
      if (check !== undefined) check(stdout)
      return count / seconds
    }
    const expectCount = (stdout) => {
      if (Number(stdout.trim()) !== lineCount) throw new Error(`read back ${stdout.trim()} messages, expected ${lineCount}`)
    }

    // 1. Kafka's perf tools, records of 100 B and of 1 KiB, acks=1, default batching, linger.ms=5. The
    // rate is the tool's own (records sent or consumed over its measured time: JVM start not included).
    const joins = {kafka: [], serve: []}
    for (const recordSize of [100, 1024]) {
      const sizeName = recordSize === 1024 ? '1 KiB' : `${recordSize} B`
      const perfTopic = (round) => `perf-${recordSize}-${round}`
      const producerPerf = (bootstrap) => ({
        prepare: (round) => (createTopic(bootstrap, perfTopic(round), 4), {topic: perfTopic(round)}),
        run: ({topic}) => {
          const {stdout} = sh(tool('ProducerPerformance', `--topic ${topic} --num-records ${lineCount} --record-size ${recordSize} --throughput -1 --producer-props bootstrap.servers=${bootstrap} acks=1 linger.ms=5`), {env: toolEnv})
          const match = /(\d+) records sent, ([\d.]+) records\/sec/.exec(stdout.trim().split('\n').at(-1) ?? '')
          if (match === null || Number(match[1]) !== lineCount) throw new Error(`ProducerPerformance against ${bootstrap}: no summary line\n${stdout}`)
          return Number(match[2])
        },
      })
      measureCase(`Kafka ProducerPerformance, ${sizeName} records, acks=1, linger.ms=5, 4 partitions (tool's own rate)`, {kafka: producerPerf(kafka), serve: producerPerf(serve.bootstrap)})
      const consumerPerf = (column) => ({
        run: (_context, round) => {
          const {stdout} = sh(tool('ConsumerPerformance', `--bootstrap-server ${servers[column]} --topic ${perfTopic(0)} --messages ${lineCount} --group perf-${process.pid}-${recordSize}-${round} --timeout 30000`), {env: toolEnv})
          // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, ...
          const fields = stdout.trim().split('\n').at(-1).split(',').map((field) => field.trim())
          if (Number(fields[4]) !== lineCount) throw new Error(`ConsumerPerformance against ${servers[column]} read ${fields[4]} messages, expected ${lineCount}\n${stdout}`)
          joins[column].push(Number(fields[6]))
          return Number(fields[5])
        },
      })
      measureCase(`Kafka ConsumerPerformance of the ${sizeName} topic, as a group (tool's nMsg.sec: group join included)`, {kafka: consumerPerf('kafka'), serve: consumerPerf('serve')})
    }
    notes.push(`ConsumerPerformance's group join (rebalance.time.ms), median: Kafka ${median(joins.kafka)} ms, strom serve ${median(joins.serve)} ms`)

    // 2. kcat, the generated lines (about 110 B each), whole processes.
    if (have('kcat')) {
      const kcatTopic = (round) => `kcat-${round}`
      const kcatProduce = (bootstrap) => ({
        prepare: (round) => (createTopic(bootstrap, kcatTopic(round), 4), {topic: kcatTopic(round)}),
        run: ({topic}) => rate(`kcat -b ${bootstrap} -P -t ${topic} -X acks=1 -X linger.ms=5 < ${lines}`),
      })
      measureCase('`kcat -P` of the input file, acks=1, linger.ms=5, 4 partitions', {kafka: kcatProduce(kafka), serve: kcatProduce(serve.bootstrap)})
      const kcatConsume = (bootstrap) => ({run: () => rate(`kcat -b ${bootstrap} -C -t ${kcatTopic(0)} -o beginning -e -q | wc -l`, lineCount, expectCount)})
      measureCase('`kcat -C -e` of that topic to a pipe', {kafka: kcatConsume(kafka), serve: kcatConsume(serve.bootstrap)})
    } else notes.push('kcat not installed: its rows skipped (apt-get install kcat)')

    // 3. strom's own produce and consume: on a log directory, and as a client of either server.
    const stromTopic = (round) => `strom-${round}`
    const dirFor = (round) => path.join(work, `dir-${round}`)
    const stromProduce = {
      dir: {
        prepare: (round) => {
          fs.rmSync(dirFor(round), {recursive: true, force: true})
          sh(`${stromCmd} topic create ${stromTopic(round)} -p 4 --dir ${dirFor(round)} 2>/dev/null && sync`)
          return {target: `--dir ${dirFor(round)}`, topic: stromTopic(round)}
        },
        run: ({target, topic}) => rate(`cat ${lines} | ${stromCmd} produce ${topic} ${target}`),
      },
    }
    for (const [column, bootstrap] of Object.entries(servers)) {
      stromProduce[column] = {
        prepare: (round) => (createTopic(bootstrap, stromTopic(round), 4), {target: `--bootstrap-server ${bootstrap} --acks 1`, topic: stromTopic(round)}),
        run: ({target, topic}) => rate(`cat ${lines} | ${stromCmd} produce ${topic} ${target}`),
      }
    }
    measureCase('`strom produce` of the input file from a pipe, 4 partitions (acks=1 to a server)', stromProduce)
    const stromConsume = {dir: {run: () => rate(`${stromCmd} consume ${stromTopic(0)} --dir ${dirFor(0)} | wc -l`, lineCount, expectCount)}}
    for (const [column, bootstrap] of Object.entries(servers)) stromConsume[column] = {run: () => rate(`${stromCmd} consume ${stromTopic(0)} --bootstrap-server ${bootstrap} | wc -l`, lineCount, expectCount)}
    measureCase('`strom consume` of that topic to a pipe', stromConsume)

    // 4. Latency. Kafka's Java client at a fixed rate (bench/java/RateLatency.java: one producer, one
    // consumer, one JVM); strom bench e2e: `strom produce` fed at the same rate, `strom consume -f`
    // reading, on a directory or through a server; Kafka's EndToEndLatency: one 100 B message at a
    // time (the Java producer sends, the Java consumer polls it back, then the next).
    const rateLatency = rateLatencyTool()
    const javaAtRate = (bootstrap) => ({
      prepare: (round) => (createTopic(bootstrap, `rate-${round}`, 1), {topic: `rate-${round}`}),
      run: ({topic}) => {
        const result = JSON.parse(sh(`${rateLatency} ${bootstrap} ${topic} ${e2eRate} ${e2eSeconds} 100`).stdout)
        return {p50: result.p50Ms, p99: result.p99Ms, p999: result.p999Ms}
      },
    })
    measureCase(`Kafka's Java client, ${e2eRate.toLocaleString('en')} msgs/s of 100 B for ${e2eSeconds} s, acks=1: produce → consume in one JVM`, {kafka: javaAtRate(kafka), serve: javaAtRate(serve.bootstrap)}, {rounds: e2eRuns, kind: 'latency'})
    const e2eTarget = {dir: (round) => `--dir ${path.join(work, `e2e-${round}`)}`, kafka: () => `--bootstrap-server ${kafka} --acks 1`, serve: () => `--bootstrap-server ${serve.bootstrap} --acks 1`}
    const stromE2e = Object.fromEntries(Object.entries(e2eTarget).map(([column, target]) => [column, {
      run: (_context, round) => {
        const result = JSON.parse(sh(`${stromCmd} bench e2e --topic e2e-${round} --rate ${e2eRate} --seconds ${e2eSeconds} --json ${target(round)}`).stdout)
        return {p50: result.p50Ms, p99: result.p99Ms, p999: result.p999Ms}
      },
    }]))
    measureCase(`\`strom bench e2e\`, ${e2eRate.toLocaleString('en')} msgs/s for ${e2eSeconds} s: produce stdin → consume -f stdout`, stromE2e, {rounds: e2eRuns, kind: 'latency'})
    const pings = e2eSeconds * 1000
    const endToEnd = (bootstrap) => ({
      prepare: (round) => (createTopic(bootstrap, `ping-${round}`, 1), {topic: `ping-${round}`}),
      run: ({topic}) => {
        const {stdout} = sh(tool('EndToEndLatency', `${bootstrap} ${topic} ${pings} 1 100`), {env: toolEnv})
        const match = /50th = (\d+), 99th = (\d+), 99\.9th = (\d+)/.exec(stdout)
        if (match === null) throw new Error(`EndToEndLatency against ${bootstrap}: no percentiles\n${stdout}`)
        return {p50: Number(match[1]), p99: Number(match[2]), p999: Number(match[3])}
      },
    })
    measureCase(`Kafka EndToEndLatency, ${pings.toLocaleString('en')} × 100 B one at a time, acks=1 (whole ms)`, {kafka: endToEnd(kafka), serve: endToEnd(serve.bootstrap)}, {rounds: e2eRuns, kind: 'latency'})

    // 5. Peak memory of each server over everything above.
    const brokerPid = Number(fs.readFileSync(path.join(KAFKA_STATE, 'node-1', 'pid'), 'utf8'))
    const rss = {kafka: peakRssMb(brokerPid), serve: peakRssMb(serve.child.pid)}
    log(`peak RSS: Kafka broker ${rss.kafka?.toFixed(0)} MB, strom serve ${rss.serve?.toFixed(0)} MB`)
    load.push(os.loadavg())
    const figures = {rows, rss, notes, load, version, lineCount, runs, e2eRuns}
    // The raw figures too, for a table made again or another summary.
    fs.writeFileSync(path.join(data, 'kafka-figures.json'), JSON.stringify(figures, null, 1))
    return {markdown: render(figures), rows}
  } finally {
    serve?.child.kill('SIGTERM')
    sh(`bash ${kafkaScript} down`, {env: kafkaEnv})
    fs.rmSync(work, {recursive: true, force: true})
  }
}

const columns = [['kafka', 'Kafka broker'], ['serve', '`strom serve`'], ['dir', 'strom on a directory']]

export function render({rows, rss, notes, load, version, lineCount, runs, e2eRuns}) {
  const range = (values) => `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`
  const round = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1))
  const ms = (values) => (values.length === 1 ? round(values[0]) : `${round(median(values))} (${round(Math.min(...values))}–${round(Math.max(...values))})`)
  const latency = (records) => (records === undefined ? '–' : `p50 ${ms(records.map((r) => r.p50))} · p99 ${ms(records.map((r) => r.p99))} · p99.9 ${ms(records.map((r) => r.p999))}`)
  let table = `| case | ${columns.map(([, title]) => title).join(' | ')} | serve / Kafka |\n|---|---|---|---|---|\n`
  for (const row of rows) {
    const cells = columns.map(([column]) => (row.results[column] === undefined ? '–' : row.kind === 'rate' ? range(row.results[column]) : latency(row.results[column])))
    const ratio = row.kind === 'rate' ? `${(median(row.results.serve) / median(row.results.kafka)).toFixed(2)}×` : `p99 ${(median(row.results.serve.map((r) => r.p99)) / median(row.results.kafka.map((r) => r.p99))).toFixed(2)}×`
    table += `| ${row.name.replaceAll('|', '\\|')} | ${cells.join(' | ')} | ${ratio} |\n`
  }
  const mb = (value) => (value === undefined ? '–' : `${value.toFixed(0)} MB`)
  table += `| peak RSS of the server over all its runs (VmHWM) | ${mb(rss.kafka)} (JVM, -Xmx512m) | ${mb(rss.serve)} | – | ${(rss.serve / rss.kafka).toFixed(2)}× |\n`
  const loads = load.map((l) => l.map((v) => v.toFixed(2)).join(' ')).join(' at the start, ') + ' at the end'
  return `Kafka ${version} (one KRaft broker+controller, scripts/kafka.sh, heap 512 MB) and \`strom serve\` on the same machine, ${lineCount.toLocaleString('en')} messages per run; rates in msgs/s, median (min–max) of ${runs} interleaved rounds, latencies in ms over ${e2eRuns} rounds. Load average (1, 5, 15 min): ${loads}.\n\n${table}\n${notes.map((n) => `- ${n}`).join('\n')}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const data = process.env.BENCH_DATA ?? path.join(benchDir, 'data')
  fs.mkdirSync(data, {recursive: true})
  const lineCount = Number(process.env.BENCH_LINES ?? 1_000_000)
  const lines = path.join(data, 'lines.txt')
  ensureLines(lines, lineCount)
  const missing = kafkaMissing()
  if (missing !== undefined) {
    process.stdout.write(`Kafka rows skipped: ${missing}\n`)
  } else {
    const {markdown} = await kafkaComparison({data, lines, lineCount, runs: Number(process.env.BENCH_RUNS ?? 5), e2eRuns: Number(process.env.BENCH_KAFKA_E2E_RUNS ?? 3), e2eSeconds: Number(process.env.BENCH_E2E_SECONDS ?? 10), e2eRate: Number(process.env.BENCH_E2E_RATE ?? 10_000)})
    process.stdout.write(markdown)
  }
}
