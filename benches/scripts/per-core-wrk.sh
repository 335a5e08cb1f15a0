#!/bin/bash
# per-core-wrk.sh: requests/s of the example server, multi-thread runtime against per-core workers,
# at 1 worker (server on core 0, wrk on core 1) and 2 workers (neither pinned), 3 rounds
# interleaved, 5 s each, 64 connections, /plaintext.
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build -q --release -p pulya --example hello
bin=${CARGO_TARGET_DIR:-target}/release/examples/hello
run() { # name workers pin extra...
  local name=$1 workers=$2 pin=$3; shift 3
  local pre=() wpre=()
  if [ "$pin" = yes ]; then pre=(taskset -c 0); wpre=(taskset -c 1); fi
  "${pre[@]}" $bin --addr 127.0.0.1:4100 --workers $workers "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/4100) 2>/dev/null && break; sleep 0.05; done
  local rps=$("${wpre[@]}" wrk -t1 -c64 -d5s http://127.0.0.1:4100/plaintext 2>/dev/null | awk '/Requests\/sec/ {print $2}')
  kill -INT $pid; wait $pid 2>/dev/null
  echo "$name $rps"
}
for round in 1 2 3; do
  run "1w-multi" 1 yes
  run "1w-percore" 1 yes --per-core
  run "2w-multi" 2 no
  run "2w-percore" 2 no --per-core
done
