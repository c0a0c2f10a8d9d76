#!/usr/bin/env node
// The benchmark suite (`npm run bench`): generates 1,000,000 log lines of about 110 bytes, then
// times each case as whole processes, several runs each, and reports the median with min–max,
// the ratio to the physical limit (`cat | cat`) and to the best installed peer, in one markdown
// table printed and written to bench/RESULTS.md. Peers (Redis Streams, NATS JetStream) are run
// through ../shared/bench/peers when their servers are installed, and skipped with a note otherwise.
import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const data = path.join(here, 'data')
const runs = Number(process.env.BENCH_RUNS ?? 3)
const lineCount = Number(process.env.BENCH_LINES ?? 1_000_000)
const strom = `node ${path.join(root, 'bin/run.js')}`
fs.mkdirSync(data, {recursive: true})

const lines = path.join(data, 'lines.txt')
const keyed = path.join(data, 'keyed.txt')
for (const [file, extra] of [[lines, ''], [keyed, '--keyed']]) {
  if (!fs.existsSync(file) || Number(fs.readFileSync(file + '.count', {encoding: 'utf8', flag: 'a+'}) || 0) !== lineCount) {
    execFileSync('bash', ['-c', `node ${path.join(here, 'gen-lines.mjs')} ${lineCount} ${extra} > ${file}`])
    fs.writeFileSync(file + '.count', String(lineCount))
  }
}
const inputBytes = fs.statSync(lines).size

function sh(command) {
  const started = process.hrtime.bigint()
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], {encoding: 'utf8', maxBuffer: 1 << 30})
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (result.status !== 0) throw new Error(`failed (${result.status}): ${command}\n${result.stderr}`)
  return {seconds, stdout: result.stdout}
}

const scratch = (name) => {
  const dir = path.join(data, name)
  fs.rmSync(dir, {recursive: true, force: true})
  fs.mkdirSync(dir, {recursive: true})
  return dir
}

/** Runs `prepare` then `command` `runs` times; returns messages/s median and range. */
function measure(name, messages, command, {prepare, target, note} = {}) {
  const rates = []
  for (let i = 0; i < runs; i++) {
    const context = prepare?.() ?? {}
    const {seconds} = sh(typeof command === 'function' ? command(context) : command)
    rates.push(messages / seconds)
  }
  rates.sort((a, b) => a - b)
  const row = {name, median: rates[Math.floor(rates.length / 2)], min: rates[0], max: rates[rates.length - 1], target, note}
  process.stderr.write(`${name}: ${fmt(row.median)} msgs/s (${fmt(row.min)}–${fmt(row.max)})\n`)
  return row
}

const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0))
const rows = []

// Physical limits and the plain-Node baseline.
const physical = measure('`cat in | cat > out` (physical limit, pipe)', lineCount, `cat ${lines} | cat > ${path.join(data, 'cat.out')}`)
rows.push(physical)
rows.push(measure('`cat segment > /dev/null` (read limit, warm)', lineCount, `cat ${lines} > /dev/null`))
const nodeBaseline = measure('node: stdin chunk → one writeSync per chunk', lineCount, `node ${path.join(here, 'node-chunk.mjs')} ${path.join(data, 'node.out')} < ${lines} 2>/dev/null`)
rows.push(nodeBaseline)

// strom.
const produceDir = () => {
  const dir = scratch('produce')
  sh(`${strom} topic create t --partitions 4 --dir ${dir}`)
  return {dir}
}
rows.push(measure('strom `produce` 1M unkeyed lines from a pipe, 4 partitions', lineCount, ({dir}) => `cat ${lines} | ${strom} produce t --dir ${dir}`, {prepare: produceDir, target: '≥ 2,000,000 msgs/s and ≥ 0.9× node baseline'}))
rows.push(measure('strom `produce -K:` 1M keyed lines', lineCount, ({dir}) => `cat ${keyed} | ${strom} produce t -K: --dir ${dir}`, {prepare: produceDir, target: '≥ 1,500,000 msgs/s'}))
rows.push(measure('strom `produce --sync` (fdatasync per batch)', lineCount, ({dir}) => `cat ${lines} | ${strom} produce t --sync --dir ${dir}`, {prepare: produceDir, target: '≥ 500,000 msgs/s'}))

// A topic to read from: 1M lines in 6 partitions.
const readDir = scratch('read')
sh(`${strom} topic create r --partitions 6 --dir ${readDir} && cat ${lines} | ${strom} produce r --partitioner round-robin --dir ${readDir}`)
rows.push(measure('strom `consume` 1M, value per line, to a pipe', lineCount, `${strom} consume r --dir ${readDir} | cat > /dev/null`, {target: '≥ 3,000,000 msgs/s'}))
rows.push(measure('strom `consume --json`', lineCount, `${strom} consume r --json --dir ${readDir} | cat > /dev/null`, {target: '≥ 1,000,000 msgs/s'}))
let groupRun = 0
rows.push(measure('strom 3 group members on 6 partitions, together', lineCount, () => {
  const group = `bench-${process.pid}-${groupRun++}`
  return `(for i in 1 2 3; do ${strom} consume r --group ${group} --dir ${readDir} > /dev/null & done; wait)`
}, {target: '≥ 2,000,000 msgs/s'}))

// Startup and end-to-end latency.
const startDir = scratch('startup')
sh(`${strom} topic create t --dir ${startDir}`)
const startup = []
const nodeStartup = []
for (let i = 0; i < 10; i++) {
  startup.push(sh(`${strom} produce t hello --dir ${startDir}`).seconds * 1000)
  nodeStartup.push(sh('node -e 0').seconds * 1000)
}
startup.sort((a, b) => a - b)
nodeStartup.sort((a, b) => a - b)
const e2e = JSON.parse(sh(`${strom} bench e2e --rate 1000 --seconds 10 --json --dir ${scratch('e2e')}`).stdout)

// Peers, when installed.
const peerRows = []
const peersDir = path.resolve(root, '..', 'shared', 'bench', 'peers')
const have = (bin) => spawnSync('bash', ['-c', `command -v ${bin}`]).status === 0
const peerNotes = []
if (!fs.existsSync(peersDir)) peerNotes.push('peer scripts not found (../shared/bench/peers): peers skipped')
else {
  if (!have('redis-server') || !have('redis-cli')) peerNotes.push('Redis not installed: Redis Streams skipped (install: apt-get install redis-server)')
  if (!have('nats-server')) peerNotes.push('NATS not installed: NATS JetStream skipped (install: apt-get install nats-server)')
  if (have('redis-server') && have('redis-cli')) {
    try {
      const out = sh(`bash ${path.join(peersDir, 'bench-redis.sh')} ${scratch('redis')} ${lines} ${scratch('redis-clients')} 2>&1`).stdout
      for (const match of out.matchAll(/^(.*?):\s*([\d.]+)\s*msgs\/s/gm)) peerRows.push({name: `Redis Streams: ${match[1]}`, median: Number(match[2]), min: Number(match[2]), max: Number(match[2])})
    } catch (error) {
      peerNotes.push(`Redis run failed: ${String(error.message).split('\n')[0]}`)
    }
  }
}
const bestPeer = peerRows.reduce((best, row) => Math.max(best, row.median), 0)

// The table.
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–')
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`
let table = `| case | msgs/s median (min–max) | vs \`cat \\| cat\` | vs best peer | target |\n|---|---|---|---|---|\n`
for (const row of [...rows, ...peerRows]) {
  table += `| ${row.name.replaceAll("|", "\\|")} | ${fmt(row.median)} (${fmt(row.min)}–${fmt(row.max)}) | ${ratio(row.median, physical.median)} | ${ratio(row.median, bestPeer)} | ${row.target ?? ''} |\n`
}
const produceRow = rows.find((r) => r.name.includes('1M unkeyed'))
table += `| strom produce vs node baseline | ${ratio(produceRow.median, nodeBaseline.median)} | | | ≥ 0.9× |\n`
table += `| end to end at 1,000 msgs/s (produce stdin → consume -f stdout) | p50 ${e2e.p50Ms} ms, p99 ${e2e.p99Ms} ms, max ${e2e.maxMs} ms | | | p50 ≤ 2 ms, p99 ≤ 10 ms |\n`
table += `| \`strom produce t hello\` as a whole process | median ${startup[5].toFixed(0)} ms (min ${startup[0].toFixed(0)}) ; \`node -e 0\` ${nodeStartup[5].toFixed(0)} ms | | | ≤ 150 ms |\n`

const report = `# strom benchmark results\n\n${new Date().toISOString()} on ${machine}.\nInput: ${lineCount.toLocaleString('en')} lines, ${inputBytes.toLocaleString('en')} bytes (${(inputBytes / lineCount).toFixed(0)} B/line). Each case is a whole process (startup included), ${runs} runs, median (min–max).\n\n${table}\n${peerNotes.map((n) => `- ${n}`).join('\n')}\n`
process.stdout.write(report)
fs.writeFileSync(path.join(here, 'RESULTS.md'), report)
