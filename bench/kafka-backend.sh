#!/usr/bin/env bash
# The Kafka backend through `strom serve`, side by side with kcat on the same data:
#   strom produce -K: (from a pipe)  vs  kcat -P -K:
#   strom consume (to a pipe)        vs  kcat -C -e
#   strom mirror dir -> kafka -> dir, checked byte for byte per partition (the mirror acceptance)
# Usage: bench/kafka-backend.sh [N=1000000]   (kcat optional: its rows are skipped without it)
set -euo pipefail
N=${1:-1000000}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STROM="node $ROOT/bin/run.js"
DIR=$(mktemp -d)
SERVE=
trap '[ -n "$SERVE" ] && kill $SERVE 2>/dev/null; rm -rf "$DIR"' EXIT
PORT=${PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
B=127.0.0.1:$PORT
export XDG_STATE_HOME="$DIR/state"

$STROM serve --listen "$B" --dir "$DIR/served" --quiet 2>"$DIR/serve.err" & SERVE=$!
for _ in $(seq 100); do
  if ! kill -0 $SERVE 2>/dev/null; then echo "strom serve did not start:" >&2; cat "$DIR/serve.err" >&2; exit 1; fi
  grep -q 'listening on' "$DIR/serve.err" && break
  sleep 0.1
done

node "$ROOT/bench/gen-lines.mjs" "$N" --keyed > "$DIR/input.txt"
MB=$(awk -v b="$(stat -c %s "$DIR/input.txt")" 'BEGIN {printf "%.1f", b/1e6}')
now() { date +%s.%N; }
row() { awk -v what="$1" -v n="$2" -v s="$(echo "$4 - $3" | bc)" -v mb="$MB" 'BEGIN {printf "| %s | %d | %.2f s | %.0f msg/s | %.1f MB/s |\n", what, n, s, n/s, mb/s}'; }

echo "| case | messages | time | rate | throughput |"
echo "|---|---|---|---|---|"
$STROM topic create by-strom -p 4 --bootstrap-server "$B" >/dev/null
t0=$(now); $STROM produce by-strom -K: --bootstrap-server "$B" < "$DIR/input.txt"; t1=$(now)
row "strom produce -K: (pipe)" "$N" "$t0" "$t1"
if command -v kcat >/dev/null; then
  $STROM topic create by-kcat -p 4 --bootstrap-server "$B" >/dev/null
  t0=$(now); kcat -b "$B" -P -t by-kcat -K: -X linger.ms=5 -X batch.num.messages=10000 < "$DIR/input.txt"; t1=$(now)
  row "kcat -P -K:" "$N" "$t0" "$t1"
fi
t0=$(now); COUNT=$($STROM consume by-strom --bootstrap-server "$B" | wc -l); t1=$(now)
row "strom consume (pipe)" "$COUNT" "$t0" "$t1"
if command -v kcat >/dev/null; then
  t0=$(now); COUNT=$(kcat -b "$B" -C -t by-strom -o beginning -e -q | wc -l); t1=$(now)
  row "kcat -C -e" "$COUNT" "$t0" "$t1"
fi

$STROM topic create moved -p 4 --dir "$DIR/source" >/dev/null
$STROM produce moved -K: --dir "$DIR/source" < "$DIR/input.txt"
t0=$(now); $STROM mirror "dir:$DIR/source" "kafka://$B" --topic moved 2>/dev/null >/dev/null; t1=$(now)
row "strom mirror dir -> kafka" "$N" "$t0" "$t1"
t0=$(now); $STROM mirror "kafka://$B" "dir:$DIR/back" --topic moved 2>/dev/null >/dev/null; t1=$(now)
row "strom mirror kafka -> dir" "$N" "$t0" "$t1"
for p in 0 1 2 3; do
  a=$($STROM consume moved --dir "$DIR/source" -p $p --json | md5sum)
  b=$($STROM consume moved --dir "$DIR/back" -p $p --json | md5sum)
  if [ "$a" != "$b" ]; then echo "partition $p differs after the round trip" >&2; exit 1; fi
done
echo
echo "round trip dir -> kafka -> dir: every partition identical (consume --json, md5)"
