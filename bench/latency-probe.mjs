#!/usr/bin/env node
// Another client of a Kafka server, one request at a time: produces one 100 B record (acks=1) and
// waits for the answer, again and again ("ready" on stderr after the first answer). It runs for
// --seconds, or until it gets SIGTERM, and then
// prints JSON: the round trips' count and p50/p99/max, and with --timeline every round trip as
// [start, milliseconds] (start: Date.now() when it was sent), so that a caller can cut one warm
// client's run into windows (before, during and after what it measures). Built on strom's own
// Kafka client (dist/client).
//
// node bench/latency-probe.mjs --bootstrap HOST:PORT --topic T [--seconds 5] [--timeline]
import path from 'node:path'
import {parseArgs} from 'node:util'
import {benchDir, quantile} from './lib.mjs'

const dist = path.join(benchDir, '..', 'dist')
const {KafkaCluster} = await import(path.join(dist, 'client', 'cluster.js'))
const {produceBatches} = await import(path.join(dist, 'client', 'produce.js'))
const {BatchBuilder} = await import(path.join(dist, 'core', 'format', 'record-batch.js'))

const {values: args} = parseArgs({options: {bootstrap: {type: 'string'}, topic: {type: 'string'}, seconds: {type: 'string'}, timeline: {type: 'boolean', default: false}}})
let stopped = false
process.once('SIGTERM', () => (stopped = true))
const deadline = args.seconds === undefined ? Infinity : Date.now() + Number(args.seconds) * 1000

const cluster = new KafkaCluster({brokers: [args.bootstrap], clientId: 'strom-latency-probe'})
await cluster.topic(args.topic)
const value = Buffer.alloc(100, 'x')
const starts = []
const rtts = []
while (!stopped && Date.now() < deadline) {
  const builder = new BatchBuilder(256)
  builder.add(null, value, Date.now())
  starts.push(Date.now())
  const started = process.hrtime.bigint()
  await produceBatches(cluster, args.topic, new Map([[0, Buffer.from(builder.seal())]]), {acks: 1})
  rtts.push(Number(process.hrtime.bigint() - started) / 1e6)
  if (rtts.length === 1) process.stderr.write('ready\n')
}
cluster.close()
const sorted = [...rtts].sort((a, b) => a - b)
const summary = {count: rtts.length, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted.at(-1)}
if (args.timeline) summary.timeline = rtts.map((rtt, i) => [starts[i], rtt])
process.stdout.write(JSON.stringify(summary) + '\n')
