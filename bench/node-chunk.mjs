#!/usr/bin/env node
// The plain-Node baseline: read stdin, count lines, and write each chunk to a file with one
// writeSync per chunk. Any log tool in Node does at least this much work.
// Usage: node bench/node-chunk.mjs OUT_FILE < lines.txt
import fs from 'node:fs'

const fd = fs.openSync(process.argv[2], 'w')
let lines = 0
for await (const chunk of process.stdin) {
  for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++
  fs.writeSync(fd, chunk)
}
fs.closeSync(fd)
process.stderr.write(`${lines}\n`)
