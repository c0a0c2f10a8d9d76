#!/usr/bin/env bash
# Throughput through `strom serve` with kcat: produce N lines (kcat -P), then read them all back (kcat -C -e).
# Usage: bench/serve-kcat.sh [N=1000000]
#   SECURITY=SASL_SSL bench/serve-kcat.sh   the same through TLS and a SASL/PLAIN login (throwaway certificate)
#   PORT=19192 picks the port (default: a free one)
set -euo pipefail
N=${1:-1000000}
SECURITY=${SECURITY:-PLAINTEXT}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR=$(mktemp -d)
SERVE=
trap '[ -n "$SERVE" ] && kill $SERVE 2>/dev/null; rm -rf "$DIR"' EXIT
# A fixed port collides with another bench or a real broker; ask the kernel for a free one.
PORT=${PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}

SERVE_ARGS=(--listen 127.0.0.1:$PORT --dir "$DIR" --quiet)
KCAT_ARGS=(-b 127.0.0.1:$PORT)
case "$SECURITY" in
  PLAINTEXT) ;;
  SASL_SSL)
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
      -days 1 -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
    printf 'bench:bench-password\n' > "$DIR/users.txt"
    SERVE_ARGS+=(--sasl-users "$DIR/users.txt" --tls-cert "$DIR/cert.pem" --tls-key "$DIR/key.pem")
    KCAT_ARGS+=(-X security.protocol=SASL_SSL -X ssl.ca.location="$DIR/cert.pem" -X sasl.mechanisms=PLAIN -X sasl.username=bench -X sasl.password=bench-password)
    ;;
  *) echo "SECURITY must be PLAINTEXT or SASL_SSL, not '$SECURITY'" >&2; exit 2 ;;
esac

node "$ROOT/bin/run.js" serve "${SERVE_ARGS[@]}" 2>"$DIR/serve.err" & SERVE=$!
# Wait for the listener instead of sleeping a guessed time (and stop if the server died).
for _ in $(seq 100); do
  if ! kill -0 $SERVE 2>/dev/null; then echo "strom serve did not start:" >&2; cat "$DIR/serve.err" >&2; exit 1; fi
  grep -q 'listening on' "$DIR/serve.err" && break
  sleep 0.1
done
grep -q 'listening on' "$DIR/serve.err" || { echo "strom serve is not listening after 10 s" >&2; exit 1; }

node "$ROOT/bench/gen-lines.mjs" "$N" > "$DIR/input.txt"
BYTES=$(stat -c %s "$DIR/input.txt")
t0=$(date +%s.%N)
kcat "${KCAT_ARGS[@]}" -P -t bench -X linger.ms=5 -X batch.num.messages=10000 < "$DIR/input.txt"
t1=$(date +%s.%N)
COUNT=$(kcat "${KCAT_ARGS[@]}" -C -t bench -o beginning -e -q | wc -l)
t2=$(date +%s.%N)
awk -v s="$SECURITY" -v n="$N" -v b="$BYTES" -v c="$COUNT" -v p="$(echo "$t1 - $t0" | bc)" -v q="$(echo "$t2 - $t1" | bc)" 'BEGIN {
  printf "%s kcat -P: %d lines (%.1f MB) in %.2f s = %.0f msg/s, %.1f MB/s\n", s, n, b/1e6, p, n/p, b/1e6/p
  printf "%s kcat -C: %d lines in %.2f s = %.0f msg/s, %.1f MB/s\n", s, c, q, c/q, b/1e6/q }'
if [ "$COUNT" -ne "$N" ]; then echo "read back $COUNT lines, produced $N" >&2; exit 1; fi
