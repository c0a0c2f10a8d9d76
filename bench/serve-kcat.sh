#!/usr/bin/env bash
# Throughput through `strom serve` with kcat: produce N lines (kcat -P), then read them all back (kcat -C -e).
set -euo pipefail
N=${1:-1000000}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR=$(mktemp -d); PORT=${PORT:-19192}
trap 'kill $SERVE 2>/dev/null; rm -rf "$DIR"' EXIT
node "$ROOT/bin/run.js" serve --listen 127.0.0.1:$PORT --dir "$DIR" --quiet & SERVE=$!
sleep 1.5
node "$ROOT/bench/gen-lines.mjs" "$N" > "$DIR/input.txt" 2>/dev/null || seq -f 'line %.0f of the benchmark input, padded to about a hundred bytes with some filler text......' 1 "$N" > "$DIR/input.txt"
BYTES=$(stat -c %s "$DIR/input.txt")
t0=$(date +%s.%N)
kcat -b 127.0.0.1:$PORT -P -t bench -X linger.ms=5 -X batch.num.messages=10000 < "$DIR/input.txt"
t1=$(date +%s.%N)
COUNT=$(kcat -b 127.0.0.1:$PORT -C -t bench -o beginning -e -q | wc -l)
t2=$(date +%s.%N)
awk -v n="$N" -v b="$BYTES" -v c="$COUNT" -v p="$(echo "$t1 - $t0" | bc)" -v q="$(echo "$t2 - $t1" | bc)" 'BEGIN {
  printf "kcat -P: %d lines (%.1f MB) in %.2f s = %.0f msg/s, %.1f MB/s\n", n, b/1e6, p, n/p, b/1e6/p
  printf "kcat -C: %d lines in %.2f s = %.0f msg/s, %.1f MB/s\n", c, q, c/q, b/1e6/q }'
