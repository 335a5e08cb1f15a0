#!/bin/bash
# User-space instructions per WebSocket echo in the example server (`/ws`, built with
# `--features ws`), counted by callgrind: 8 sockets send 1,000 and then 6,000 messages each,
# and the difference of the two totals divided by 40,000 is the cost of one echo.
#
#   benches/scripts/ws-icount.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
target=${CARGO_TARGET_DIR:-target}
cargo build -q --release -p pulya --features ws --example hello
cargo build -q --release -p pulya-benches --example ws_load
run() {
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=$out "$target"/release/examples/hello --addr 127.0.0.1:4400 --workers 1 >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/4400) 2>/dev/null && break; sleep 0.1; done
  "$target"/release/examples/ws_load 127.0.0.1:4400 $1 8 >/dev/null
  kill -INT $pid; wait $pid || true
  sed -n 's/^summary: \([0-9]*\).*/\1/p; s/^totals: \([0-9]*\).*/\1/p' $out | head -n 1; rm -f $out
}
a=$(run 1000); b=$(run 6000); echo $(( (b - a) / 40000 ))
