#!/usr/bin/env node
// The benchmark suite (`npm run bench`): generates 1,000,000 log lines of about 110 bytes, then
// times each case as whole processes, several runs each, and reports the median with min–max,
// the ratio to the physical limit (`cat | cat`) and to the best installed peer, in one markdown
// table printed and written to bench/RESULTS.md. Peers (Redis Streams, NATS JetStream) are run
// through ../shared/bench/peers when their servers are installed, and skipped with a note otherwise.
// Then strom beside a real Apache Kafka broker (bench/kafka.mjs) when java and Kafka's classpath
// are there (BENCH_KAFKA=0 skips it). Before it, the costs that must not grow with history
// (bench/history.mjs; BENCH_HISTORY=0 skips them).
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {ensureLines, fmt, median, sh} from './lib.mjs'
import {historyCases} from './history.mjs'
import {kafkaComparison, kafkaMissing} from './kafka.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
// Sizes, for a quick check of the suite itself (test/integration/bench-suite.test.ts runs it small).
const data = process.env.BENCH_DATA ?? path.join(here, 'data')
const runs = Number(process.env.BENCH_RUNS ?? 5)
const lineCount = Number(process.env.BENCH_LINES ?? 1_000_000)
const startupRuns = Number(process.env.BENCH_STARTUP_RUNS ?? 21)
const e2eSeconds = Number(process.env.BENCH_E2E_SECONDS ?? 10)
const bigTargetBytes = Number(process.env.BENCH_BIG_BYTES ?? 2e9)
const withPeers = process.env.BENCH_PEERS !== '0'
const withKafka = process.env.BENCH_KAFKA !== '0'
const withHistory = process.env.BENCH_HISTORY !== '0'
const kafkaE2eRuns = Number(process.env.BENCH_KAFKA_E2E_RUNS ?? 3)
const resultsFile = process.env.BENCH_RESULTS ?? path.join(here, 'RESULTS.md')
const strom = `node ${path.join(root, 'bin/run.js')}`
fs.mkdirSync(data, {recursive: true})

// NODE_EXTRA_CA_CERTS makes Node 20 read and parse that certificate bundle at every process start,
// before any script runs: ~70 ms with the 144 certificates of Debian's bundle, against ~35 ms for
// the whole of `node -e 0` without it. It taxes every Node process alike (strom, the Node
// baseline, the peers' Node clients) and none of the cases uses TLS, so every case runs without it;
// the startup row is measured both ways. BENCH_KEEP_ENV=1 runs everything with it as inherited.
const inheritedCaCerts = process.env.NODE_EXTRA_CA_CERTS
const keepEnv = process.env.BENCH_KEEP_ENV === '1'
if (!keepEnv) delete process.env.NODE_EXTRA_CA_CERTS

const lines = path.join(data, 'lines.txt')
const keyed = path.join(data, 'keyed.txt')
ensureLines(lines, lineCount)
ensureLines(keyed, lineCount, {keyed: true})
const inputBytes = fs.statSync(lines).size


const scratch = (name) => {
  const dir = path.join(data, name)
  fs.rmSync(dir, {recursive: true, force: true})
  fs.mkdirSync(dir, {recursive: true})
  return dir
}

/** Runs `prepare` then `command` `runs` times; returns messages/s median and range. */
function measure(name, messages, command, {prepare, target, note, direction} = {}) {
  const rates = []
  for (let i = 0; i < runs; i++) {
    const context = prepare?.() ?? {}
    const {seconds} = sh(typeof command === 'function' ? command(context) : command)
    rates.push(messages / seconds)
  }
  rates.sort((a, b) => a - b)
  const row = {name, median: rates[Math.floor(rates.length / 2)], min: rates[0], max: rates[rates.length - 1], target, note, direction}
  process.stderr.write(`${name}: ${fmt(row.median)} msgs/s (${fmt(row.min)}–${fmt(row.max)})\n`)
  return row
}

const rows = []

// Physical limits and the plain-Node baseline, after the generated input is on disk (sync).
sh('sync')
const physical = measure('`cat in | cat > out` (physical limit, pipe)', lineCount, `cat ${lines} | cat > ${path.join(data, 'cat.out')}`)
rows.push(physical)
rows.push(measure('`cat segment > /dev/null` (read limit, warm)', lineCount, `cat ${lines} > /dev/null`))
// A plain Node process moving the same pipe to a file (shown for scale: strom is held to Kafka and
// to `cat | cat`, not to it); read from the file itself (stdin redirected) it is shown too.
rows.push(measure('node: stdin chunk → one writeSync per chunk, from `cat in |`', lineCount, `cat ${lines} | node ${path.join(here, 'node-chunk.mjs')} ${path.join(data, 'node.out')} 2>/dev/null`))
rows.push(measure('node: the same, stdin redirected from the file', lineCount, `node ${path.join(here, 'node-chunk.mjs')} ${path.join(data, 'node.out')} < ${lines} 2>/dev/null`))

// strom.
// Each produce run starts on a fresh directory, after a sync (not timed): a run measures its own
// writes, not the writeback of what ran before it.
const produceDir = () => {
  const dir = scratch('produce')
  sh(`${strom} topic create t --partitions 4 --dir ${dir} && sync`)
  return {dir}
}
rows.push(measure('strom `produce` 1M unkeyed lines from a pipe, 4 partitions', lineCount, ({dir}) => `cat ${lines} | ${strom} produce t --dir ${dir}`, {prepare: produceDir, direction: 'in', target: '≥ 2,000,000 msgs/s'}))
rows.push(measure('strom `produce -K:` 1M keyed lines', lineCount, ({dir}) => `cat ${keyed} | ${strom} produce t -K: --dir ${dir}`, {prepare: produceDir, direction: 'in', target: '≥ 1,500,000 msgs/s'}))
rows.push(measure('strom `produce --sync` (fdatasync per batch)', lineCount, ({dir}) => `cat ${lines} | ${strom} produce t --sync --dir ${dir}`, {prepare: produceDir, direction: 'in', target: '≥ 500,000 msgs/s'}))

// A topic to read from: 1M lines in 6 partitions.
const readDir = scratch('read')
sh(`${strom} topic create r --partitions 6 --dir ${readDir} && cat ${lines} | ${strom} produce r --partitioner round-robin --dir ${readDir} && sync`)
rows.push(measure('strom `consume` 1M, value per line, to a pipe', lineCount, `${strom} consume r --dir ${readDir} | cat > /dev/null`, {direction: 'out', target: '≥ 3,000,000 msgs/s'}))
rows.push(measure('strom `consume --json`', lineCount, `${strom} consume r --json --dir ${readDir} | cat > /dev/null`, {direction: 'out', target: '≥ 1,000,000 msgs/s'}))
let groupRun = 0
rows.push(measure('strom 3 group members on 6 partitions, together', lineCount, () => {
  const group = `bench-${process.pid}-${groupRun++}`
  return `(for i in 1 2 3; do ${strom} consume r --group ${group} --dir ${readDir} > /dev/null & done; wait)`
}, {direction: 'out', target: '≥ 2,000,000 msgs/s'}))

// Startup and end-to-end latency.
// The cases above wrote ~1 GB: let its writeback finish first, or it is what this row measures.
sh('sync')
const startDir = scratch('startup')
sh(`${strom} topic create t --dir ${startDir}`)
/** `strom produce t hello` and `node -e 0`, interleaved, 21 runs each: [strom, node] in ms, sorted. */
function startupTimes(envPrefix = '') {
  const times = [[], []]
  for (let i = 0; i < startupRuns; i++) {
    times[0].push(sh(`${envPrefix}${strom} produce t hello --dir ${startDir}`).seconds * 1000)
    times[1].push(sh(`${envPrefix}node -e 0`).seconds * 1000)
  }
  return times.map((list) => list.sort((a, b) => a - b))
}
const [startup, nodeStartup] = startupTimes()
const withCaCerts = inheritedCaCerts !== undefined && !keepEnv ? startupTimes(`NODE_EXTRA_CA_CERTS=${JSON.stringify(inheritedCaCerts)} `) : undefined
const e2e = JSON.parse(sh(`${strom} bench e2e --rate 1000 --seconds ${e2eSeconds} --json --dir ${scratch('e2e')}`).stdout)

// Peak memory while producing and consuming 2 GB: the input file as many times as it takes, through
// one pipe. The peak is the process's own (getrusage), reported at exit by a one-line --import hook.
const rssHook = path.join(data, 'max-rss.mjs')
fs.writeFileSync(rssHook, "process.on('exit', () => process.stderr.write(`max-rss-kb ${process.resourceUsage().maxRSS}\\n`))\n")
/** Runs `command` (through sh); its peak RSS in MB, as the hook reported it, and how long it took. */
const peakRss = (command) => {
  const {seconds, stderr} = sh(command)
  const kb = /max-rss-kb (\d+)/.exec(stderr)
  if (kb === null) throw new Error(`no peak RSS reported by: ${command}\n${stderr}`)
  return {mb: Number(kb[1]) / 1024, seconds}
}
const bigRepeats = Math.ceil(bigTargetBytes / inputBytes)
const bigDir = scratch('big')
sh(`${strom} topic create t --partitions 4 --dir ${bigDir}`)
const {mb: produceRss, seconds: produceBigSeconds} = peakRss(`for i in $(seq ${bigRepeats}); do cat ${lines}; done | node --import ${rssHook} ${path.join(root, 'bin/run.js')} produce t --dir ${bigDir}`)
sh('sync')
const {mb: consumeRss, seconds: consumeBigSeconds} = peakRss(`node --import ${rssHook} ${path.join(root, 'bin/run.js')} consume t --dir ${bigDir} > /dev/null`)
fs.rmSync(bigDir, {recursive: true, force: true})
const bigBytes = bigRepeats * inputBytes
process.stderr.write(`peak RSS over ${(bigBytes / 1e9).toFixed(1)} GB: produce ${produceRss.toFixed(0)} MB, consume ${consumeRss.toFixed(0)} MB\n`)

// Metadata over many topics: 1,000 topics of 10 partitions (made through the library), and a group
// that committed on each of 1,000 partitions (one message per partition, consumed by the group).
const {openLog} = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href)
const metaDir = scratch('metadata')
const metaLog = openLog({dir: metaDir})
for (let i = 0; i < 1000; i++) metaLog.createTopic(`topic-${String(i).padStart(4, '0')}`, {partitions: 10})
sh(`${strom} topic create wide --partitions 1000 --dir ${metaDir} && seq 1 1000 | ${strom} produce wide --partitioner round-robin --dir ${metaDir} && ${strom} consume wide --group wide-group --dir ${metaDir} > /dev/null`)
const medianMs = (command, times = 5) => median(Array.from({length: times}, () => sh(command).seconds * 1000))
const topicListMs = medianMs(`${strom} topic list --dir ${metaDir}`)
const groupDescribeMs = medianMs(`${strom} group describe wide-group --dir ${metaDir}`)
fs.rmSync(metaDir, {recursive: true, force: true})
process.stderr.write(`topic list (1,001 topics): ${topicListMs.toFixed(0)} ms; group describe (1,000 partitions): ${groupDescribeMs.toFixed(0)} ms\n`)

// Peers, when installed: Redis Streams and NATS JetStream through ../shared/bench/peers, each
// run several times on a fresh server. Their clients (ioredis 6, nats 2) are installed once into
// bench/data/clients with npm.
const peerRows = []
const peersDir = path.resolve(root, '..', 'shared', 'bench', 'peers')
const have = (bin) => spawnSync('bash', ['-c', `command -v ${bin}`]).status === 0
const peerNotes = []
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? runs)
const jsonLines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [])
const pick = (object, field) => field.split('.').reduce((value, key) => value?.[key], object)
/** One row per measured figure: median and range over the runs (null figures are left out). */
function peerRow(name, kind, results, field) {
  const values = results.map((r) => pick(r, field)).filter((v) => typeof v === 'number' && v > 0)
  if (values.length === 0) return
  const row = {name, kind, median: median(values), min: Math.min(...values), max: Math.max(...values)}
  process.stderr.write(`${name}: ${fmt(row.median)} msgs/s (${fmt(row.min)}–${fmt(row.max)})\n`)
  peerRows.push(row)
}
function peerClients() {
  const dir = path.join(data, 'clients')
  const installed = ['ioredis', 'nats'].every((name) => fs.existsSync(path.join(dir, 'node_modules', name, 'package.json')))
  if (!installed) {
    fs.mkdirSync(dir, {recursive: true})
    if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"strom-bench-peer-clients","private":true}\n')
    const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', 'ioredis@6', 'nats@2'], {cwd: dir, encoding: 'utf8'})
    if (result.status !== 0) return undefined
  }
  return dir
}
if (!withPeers) peerNotes.push('peers skipped (BENCH_PEERS=0)')
else if (!fs.existsSync(peersDir)) peerNotes.push('peer scripts not found (../shared/bench/peers): peers skipped')
else {
  const redis = have('redis-server') && have('redis-cli')
  const nats = have('nats-server')
  if (!redis) peerNotes.push('Redis not installed: Redis Streams skipped (install: apt-get install redis-server)')
  if (!nats) peerNotes.push('NATS not installed: NATS JetStream skipped (install: apt-get install nats-server)')
  const clients = redis || nats ? peerClients() : undefined
  if ((redis || nats) && clients === undefined) peerNotes.push('npm could not install the peer clients (ioredis@6, nats@2) into bench/data/clients: peers skipped')
  if (redis && clients !== undefined) {
    const dir = scratch('redis')
    try {
      sh(`bash ${path.join(peersDir, 'bench-redis.sh')} ${dir} ${lines} ${clients} ${peerRuns} > ${path.join(dir, 'log.txt')} 2>&1`)
      const results = jsonLines(path.join(dir, 'redis.jsonl'))
      peerRow('Redis 7 Streams: ingest, `redis-cli --pipe` XADD (AOF everysec)', 'in', results, 'ingest_msgs_per_s')
      peerRow('Redis 7 Streams: consume, XREADGROUP 10000 + XACK (ioredis)', 'out', results, 'consume.msgs_per_s')
      peerRow('Redis 7 Streams: consume, XREADGROUP 10000 + XACK (python3-redis)', 'out', results, 'consume_py.msgs_per_s')
      if (results.some((r) => r.consume_py === null)) peerNotes.push('Redis consume with python3-redis skipped: /usr/bin/python3 has no redis module (apt-get install python3-redis python3-hiredis)')
    } catch (error) {
      peerNotes.push(`Redis run failed: ${String(error.message).split('\n')[0]} (log: ${path.join(dir, 'log.txt')})`)
    }
  }
  if (nats && clients !== undefined) {
    const dir = scratch('nats')
    try {
      sh(`bash ${path.join(peersDir, 'bench-nats.sh')} ${dir} ${lines} ${clients} ${peerRuns} > ${path.join(dir, 'log.txt')} 2>&1`)
      const results = jsonLines(path.join(dir, 'nats.jsonl'))
      peerRow('NATS 2 JetStream: publish, PubAck awaited, window 1024 (nats.js)', 'in', results, 'js_publish.msgs_per_s')
      peerRow('NATS 2 JetStream: core publish into the stream, no PubAck (server ceiling)', 'in', results, 'core_publish.msgs_per_s')
      peerRow('NATS 2 JetStream: pull consume, ack every message', 'out', results, 'consume_explicit.msgs_per_s')
      peerRow('NATS 2 JetStream: pull consume, AckAll every 1000', 'out', results, 'consume_ackall.msgs_per_s')
    } catch (error) {
      peerNotes.push(`NATS run failed: ${String(error.message).split('\n')[0]} (log: ${path.join(dir, 'log.txt')})`)
    }
  }
}
// Each strom case is compared with the best peer doing the same thing: writing cases with the
// fastest ingest, reading cases with the fastest consume.
const bestPeer = {
  in: peerRows.filter((r) => r.kind === 'in').reduce((best, row) => Math.max(best, row.median), 0),
  out: peerRows.filter((r) => r.kind === 'out').reduce((best, row) => Math.max(best, row.median), 0),
}

// Costs independent of history: many segments, many partitions, compaction beside appends.
const history = withHistory ? await historyCases({data, lines, keyed, lineCount}) : undefined

// strom beside Apache Kafka: one broker on this machine, the same data (bench/kafka.mjs).
let kafka
let kafkaSkipped
if (!withKafka) kafkaSkipped = 'Kafka rows skipped: BENCH_KAFKA=0'
else {
  const missing = kafkaMissing()
  if (missing !== undefined) kafkaSkipped = `Kafka rows skipped: ${missing}`
  else kafka = await kafkaComparison({data, lines, lineCount, runs, e2eRuns: kafkaE2eRuns, e2eSeconds, e2eRate: Number(process.env.BENCH_E2E_RATE ?? 10_000)})
}
if (kafkaSkipped !== undefined) process.stderr.write(`${kafkaSkipped}\n`)
/** A strom case's median over Kafka's, both from the same interleaved rounds of the Kafka table. */
const kafkaRatio = (namePart, stromColumn, kafkaNamePart) => {
  const stromRow = kafka?.rows.find((r) => r.name.includes(namePart))
  const kafkaRow = kafka?.rows.find((r) => r.name.includes(kafkaNamePart))
  if (stromRow === undefined || kafkaRow === undefined) return '– (no Kafka rows)'
  return ratio(median(stromRow.results[stromColumn]), median(kafkaRow.results.kafka))
}

// The table.
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–')
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`
let table = `| case | msgs/s median (min–max) | vs \`cat \\| cat\` | vs best peer | target |\n|---|---|---|---|---|\n`
for (const row of [...rows, ...peerRows]) {
  const peer = row.kind !== undefined ? 0 : row.direction === undefined ? 0 : bestPeer[row.direction]
  table += `| ${row.name.replaceAll("|", "\\|")} | ${fmt(row.median)} (${fmt(row.min)}–${fmt(row.max)}) | ${ratio(row.median, physical.median)} | ${ratio(row.median, peer)} | ${row.target ?? ''} |\n`
}
// What strom is held to: Kafka on the same machine (the Kafka table below), `cat | cat` above.
table += `| strom \`produce\` on a directory vs \`kcat -P\` into the Kafka broker (Kafka table) | ${kafkaRatio('`strom produce`', 'dir', '`kcat -P`')} | | | ≥ 1× |\n`
table += `| strom \`consume\` of a directory vs \`kcat -C -e\` from the Kafka broker (Kafka table) | ${kafkaRatio('`strom consume`', 'dir', '`kcat -C')} | | | ≥ 1× |\n`
for (const size of ['100 B', '1 KiB']) {
  table += `| \`strom serve\` vs the Kafka broker, ProducerPerformance, ${size} records (Kafka table) | ${kafkaRatio(`ProducerPerformance, ${size}`, 'serve', `ProducerPerformance, ${size}`)} | | | ≥ 1× |\n`
  table += `| \`strom serve\` vs the Kafka broker, ConsumerPerformance, ${size} records (Kafka table) | ${kafkaRatio(`ConsumerPerformance of the ${size}`, 'serve', `ConsumerPerformance of the ${size}`)} | | | ≥ 1× |\n`
}
{
  // Latency rows hold {p50, p99, p999} records per round: the ratio of the medians of p99.
  const row = kafka?.rows.find((r) => r.name.includes("Kafka's Java client"))
  const p99 = (column) => median(row.results[column].map((r) => r.p99))
  const cell = row === undefined ? '– (no Kafka rows)' : `p99 ${p99('serve').toFixed(1)} against ${p99('kafka').toFixed(1)} ms: ${ratio(p99('serve'), p99('kafka'))}`
  table += `| end-to-end p99 through \`strom serve\` vs the Kafka broker, Kafka's Java client at ${Number(process.env.BENCH_E2E_RATE ?? 10_000).toLocaleString('en')} msgs/s (Kafka table) | ${cell} | | | ≤ 1× |\n`
}
table += `| end to end at 1,000 msgs/s (produce stdin → consume -f stdout) | p50 ${e2e.p50Ms} ms, p99 ${e2e.p99Ms} ms, max ${e2e.maxMs} ms | | | p50 ≤ 2 ms, p99 ≤ 10 ms |\n`
const startupCell = ([stromMs, nodeMs]) => `median ${median(stromMs).toFixed(0)} ms (min ${stromMs[0].toFixed(0)}) ; \`node -e 0\` ${median(nodeMs).toFixed(0)} ms`
table += `| \`strom produce t hello\` as a whole process | ${startupCell([startup, nodeStartup])} | | | ≤ 150 ms |\n`
if (withCaCerts) table += `| the same with NODE_EXTRA_CA_CERTS as inherited (${inheritedCaCerts}) | ${startupCell(withCaCerts)} | | | |\n`
const gb = (bigBytes / 1e9).toFixed(1)
table += `| peak RSS, \`produce\` of ${gb} GB (${(bigRepeats * lineCount / 1e6).toFixed(0)}M lines) from a pipe, 4 partitions | ${produceRss.toFixed(0)} MB (${produceBigSeconds.toFixed(1)} s, ${fmt(bigRepeats * lineCount / produceBigSeconds)} msgs/s) | | | ≤ 150 MB |\n`
table += `| peak RSS, \`consume\` of the same ${gb} GB to /dev/null | ${consumeRss.toFixed(0)} MB (${consumeBigSeconds.toFixed(1)} s, ${fmt(bigRepeats * lineCount / consumeBigSeconds)} msgs/s) | | | ≤ 150 MB |\n`
table += `| \`topic list\`, 1,001 topics / 11,000 partitions | median ${topicListMs.toFixed(0)} ms of 5 | | | ≤ 1 s |\n`
table += `| \`group describe\`, a group on 1,000 partitions | median ${groupDescribeMs.toFixed(0)} ms of 5 | | | ≤ 0.5 s |\n`

const peerRatios = rows.filter((r) => r.direction !== undefined && bestPeer[r.direction] > 0).map((r) => r.median / bestPeer[r.direction])
const peerSummary = peerRatios.length === 0
  ? 'vs best peer: no peer ran, so no ratio (target ≥ 10× for every strom case)'
  : `vs best peer: writing cases against the fastest peer ingest of this run (${fmt(bestPeer.in)} msgs/s), reading cases against the fastest peer consume (${fmt(bestPeer.out)} msgs/s); lowest strom ratio ${Math.min(...peerRatios).toFixed(1)}× (target ≥ 10× for every strom case)`
const envNote = inheritedCaCerts === undefined ? '' : keepEnv
  ? ` Every process ran with NODE_EXTRA_CA_CERTS=${inheritedCaCerts} as inherited (BENCH_KEEP_ENV=1).`
  : ` Every process ran without the inherited NODE_EXTRA_CA_CERTS (Node 20 parses that bundle at every start; see the startup rows).`
const historySection = `\n**Costs independent of history** (bench/history.mjs; each pair interleaved, median (min–max)).\n\n${history?.markdown ?? 'skipped: BENCH_HISTORY=0\n'}`
const kafkaSection = `${historySection}\n**strom beside Apache Kafka.** ${kafka?.markdown ?? `${kafkaSkipped}\n`}`
const report = `# strom benchmark results\n\n${new Date().toISOString()} on ${machine}.\nInput: ${lineCount.toLocaleString('en')} lines, ${inputBytes.toLocaleString('en')} bytes (${(inputBytes / lineCount).toFixed(0)} B/line). Each case is a whole process (startup included), ${runs} runs, median (min–max).${envNote}\n\n${table}\n${[...peerNotes, peerSummary].map((n) => `- ${n}`).join('\n')}\n${kafkaSection}`
process.stdout.write(report)
// The run replaces the table at the top of RESULTS.md; what follows the first `## ` heading (the
// separately measured rows, the profiles' verdicts, earlier runs) is written by hand and kept.
const previous = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : ''
const handWritten = previous.indexOf('\n## ')
fs.writeFileSync(resultsFile, handWritten < 0 ? report : `${report}${previous.slice(handWritten)}`)
