#!/usr/bin/env node
// Writes N deterministic log lines of about 110 bytes (JSON-ish, like a web service's access log).
// Usage: node bench/gen-lines.mjs [N=1000000] [--keyed] > lines.txt   (--keyed prefixes "user-K:")
const count = Number(process.argv[2] ?? 1_000_000)
const keyed = process.argv.includes('--keyed')
const levels = ['info', 'warn', 'debug', 'error']
const routes = ['/v1/items', '/v1/users', '/v2/orders', '/healthz']
let state = 7
const next = () => (state = (Math.imul(state, 48271) + 11) & 0x7fffffff)
const start = Date.UTC(2026, 0, 1)
let out = ''
for (let i = 0; i < count; i++) {
  const key = keyed ? `user-${next() % 1000}:` : ''
  out += `${key}{"ts":"${new Date(start + i * 5).toISOString()}","level":"${levels[i & 3]}","seq":${i},"svc":"api-${next() % 16}","msg":"GET ${routes[(i >> 2) & 3]}/${next() % 100000} ${next() % 900}ms"}\n`
  if (out.length > 1 << 20) {
    process.stdout.write(out)
    out = ''
  }
}
process.stdout.write(out)
