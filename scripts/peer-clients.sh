#!/usr/bin/env bash
# The Kafka clients of the client matrix (test/clients/client-matrix.test.ts) that Debian does not
# package, installed once and cached:
#   ~/.cache/strom/pyclients     a Python 3.11 venv with the newest kafka-python and confluent-kafka
#                                (whose wheel bundles a recent librdkafka) and their codecs
#   ~/.cache/strom/franz-check   test/clients/franz built with franz-go (modules via the Go proxy)
# Idempotent: a rerun installs nothing while the venv imports and the binary matches its sources.
# Prints the venv's python path on stdout; diagnostics go to stderr.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/strom"
VENV="$CACHE/pyclients"
FRANZ="$CACHE/franz-check"
PACKAGES=(kafka-python confluent-kafka lz4 python-snappy zstandard)
mkdir -p "$CACHE"

venv_ok() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import kafka, confluent_kafka, lz4.frame, snappy, zstandard' >/dev/null 2>&1; }
if ! venv_ok; then
  rm -rf "$VENV"
  # Python 3.11 as the brief's machines have it (pyenv); another python3 with venv does as well.
  PY="$(command -v python3.11 || command -v python3)"
  "$PY" -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PACKAGES[@]}" >&2
  venv_ok || { echo "peer-clients.sh: the venv at $VENV does not import kafka, confluent_kafka and the codecs" >&2; exit 1; }
  "$VENV/bin/python" -c 'import kafka, confluent_kafka; print("peer-clients.sh: kafka-python", kafka.__version__, "confluent-kafka", confluent_kafka.__version__, "librdkafka", confluent_kafka.libversion()[0])' >&2
fi

# The binary is rebuilt when test/clients/franz changes (its sources' hash is stored beside it).
if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
  GO="$(command -v go || echo /usr/local/go/bin/go)"
  hash="$(cat "$ROOT"/test/clients/franz/{go.mod,go.sum,main.go} | sha256sum | cut -c1-16)"
  if [ ! -x "$FRANZ" ] || [ "$(cat "$FRANZ.hash" 2>/dev/null)" != "$hash" ]; then
    (cd "$ROOT/test/clients/franz" && "$GO" build -o "$FRANZ.tmp" .) >&2
    mv "$FRANZ.tmp" "$FRANZ"
    echo "$hash" >"$FRANZ.hash"
  fi
else
  echo "peer-clients.sh: go not found: franz-check not built (the franz-go tests fail in CI)" >&2
fi
echo "$VENV/bin/python"
