#!/usr/bin/env bash
# WebSocket echo messages per second: the example's `/ws` (built with `--features ws`) against a
# raw tokio-tungstenite server (`peer_ws`), one worker each on core 0, the load client
# (`ws_load`: 8 sockets, 5,000 messages each, one at a time per socket) on core 1, three
# rounds interleaved.
#
#   benches/scripts/ws-echo.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v taskset >/dev/null || { echo "taskset is missing (apt-get install -y util-linux)" >&2; exit 1; }
cargo build -q --release -p pulya --features ws --example hello
cargo build -q --release -p pulya-benches --example peer_ws --example ws_load
target=${CARGO_TARGET_DIR:-target}

# echoes <binary>: echoes per second of one round.
echoes() {
  taskset -c 0 "$1" --addr 127.0.0.1:4300 --workers 1 >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/4300) 2>/dev/null && break; sleep 0.05; done
  taskset -c 1 "$target/release/examples/ws_load" 127.0.0.1:4300 5000 8
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
}

printf '| round | pulya | raw tokio-tungstenite | pulya / raw |\n|---|---:|---:|---:|\n'
for round in 1 2 3; do
  p=$(echoes "$target/release/examples/hello")
  r=$(echoes "$target/release/examples/peer_ws")
  printf '| %s | %s | %s | %s |\n' "$round" "$p" "$r" "$(awk -v a="$p" -v b="$r" 'BEGIN { printf "%.3f", a / b }')"
done
