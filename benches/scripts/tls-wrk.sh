#!/usr/bin/env bash
# HTTPS throughput, wrk against the example server with `--tls-cert` and against raw hyper over
# the same tokio-rustls (ring, ALPN h2 and http/1.1): one worker each, the server on core 0 and
# wrk on core 1, 64 connections, /plaintext, three rounds interleaved, 5 s each. A certificate
# for localhost is made with openssl in a temporary directory.
#
#   benches/scripts/tls-wrk.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in wrk openssl taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y wrk openssl util-linux)" >&2; exit 1; }
done
cargo build -q --release -p pulya --features tls --example hello
cargo build -q --release -p pulya-benches --example peer_hyper
target=${CARGO_TARGET_DIR:-target}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null

# rps <binary>: requests per second of one 5-second wrk round over HTTPS.
rps() {
  taskset -c 0 "$1" --addr 127.0.0.1:4200 --workers 1 \
    --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/4200) 2>/dev/null && break; sleep 0.05; done
  taskset -c 1 wrk -t1 -c64 -d5s https://127.0.0.1:4200/plaintext 2>/dev/null \
    | awk '/Requests\/sec/ {print $2}'
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
}

printf '| round | pulya | raw hyper | pulya / hyper |\n|---|---:|---:|---:|\n'
for round in 1 2 3; do
  p=$(rps "$target/release/examples/hello")
  h=$(rps "$target/release/examples/peer_hyper")
  printf '| %s | %s | %s | %s |\n' "$round" "$p" "$h" "$(awk -v a="$p" -v b="$h" 'BEGIN { printf "%.3f", a / b }')"
done
