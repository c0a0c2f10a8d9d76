#!/usr/bin/env node
// Another client of a Kafka server, one request at a time: produces one 100 B record (acks=1) and
// waits for the answer, again and again, and prints the round trips' p50/p99/max as JSON. It runs
// for --seconds, or as long as process --while-pid lives (the compaction being measured), after at
// least --min-count round trips. Built on strom's own Kafka client (dist/client).
//
// node bench/latency-probe.mjs --bootstrap HOST:PORT --topic T [--seconds 5] [--while-pid PID]
import fs from 'node:fs'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {benchDir} from './lib.mjs'

const dist = path.join(benchDir, '..', 'dist')
const {KafkaCluster} = await import(path.join(dist, 'client', 'cluster.js'))
const {produceBatches} = await import(path.join(dist, 'client', 'produce.js'))
const {BatchBuilder} = await import(path.join(dist, 'core', 'format', 'record-batch.js'))

const {values: args} = parseArgs({options: {bootstrap: {type: 'string'}, topic: {type: 'string'}, seconds: {type: 'string', default: '5'}, 'while-pid': {type: 'string'}, 'min-count': {type: 'string', default: '200'}}})
/** Whether `pid` still runs: an exited process its parent has not reaped yet (a zombie) does not. */
const alive = (pid) => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true // no /proc: kill(0) is all there is
  }
}

const cluster = new KafkaCluster({brokers: [args.bootstrap], clientId: 'strom-latency-probe'})
await cluster.topic(args.topic)
const value = Buffer.alloc(100, 'x')
const rtts = []
const deadline = Date.now() + Number(args.seconds) * 1000
const watched = args['while-pid'] === undefined ? undefined : Number(args['while-pid'])
const more = () => (watched === undefined ? Date.now() < deadline : alive(watched)) || rtts.length < Number(args['min-count'])
while (more()) {
  const builder = new BatchBuilder(256)
  builder.add(null, value, Date.now())
  const started = process.hrtime.bigint()
  await produceBatches(cluster, args.topic, new Map([[0, Buffer.from(builder.seal())]]), {acks: 1})
  rtts.push(Number(process.hrtime.bigint() - started) / 1e6)
}
cluster.close()
rtts.sort((a, b) => a - b)
const at = (q) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))]
process.stdout.write(JSON.stringify({count: rtts.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: rtts[rtts.length - 1]}) + '\n')
