#!/usr/bin/env bash
# Pipelined throughput, TechEmpower's plaintext method: wrk with 64 connections, 16 requests per
# write (benches/scripts/pipeline.lua), /plaintext, against the example server, raw hyper with its
# defaults and raw hyper with `http1::Builder::pipeline_flush(true)`; one worker each on core 0,
# wrk on core 1, three rounds interleaved, 5 s each.
#
#   benches/scripts/pipelined-wrk.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in wrk taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y wrk util-linux)" >&2; exit 1; }
done
cargo build -q --release -p pulya --example hello
cargo build -q --release -p pulya-benches --example peer_hyper
target=${CARGO_TARGET_DIR:-target}

# rps <binary> [arguments ...]: requests per second of one 5-second pipelined wrk round.
rps() {
  taskset -c 0 "$1" --addr 127.0.0.1:4201 --workers 1 "${@:2}" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/4201) 2>/dev/null && break; sleep 0.05; done
  taskset -c 1 wrk -t1 -c64 -d5s -s benches/scripts/pipeline.lua http://127.0.0.1:4201/plaintext -- 16 \
    2>/dev/null | awk '/Requests\/sec/ {print $2}'
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
}

printf '| round | pulya | raw hyper | raw hyper, pipeline_flush | pulya / hyper | pulya / hyper with pipeline_flush |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
for round in 1 2 3; do
  p=$(rps "$target/release/examples/hello")
  h=$(rps "$target/release/examples/peer_hyper")
  f=$(rps "$target/release/examples/peer_hyper" --pipeline-flush)
  printf '| %s | %s | %s | %s | %s | %s |\n' "$round" "$p" "$h" "$f" \
    "$(awk -v a="$p" -v b="$h" 'BEGIN { printf "%.3f", a / b }')" \
    "$(awk -v a="$p" -v b="$f" 'BEGIN { printf "%.3f", a / b }')"
done
