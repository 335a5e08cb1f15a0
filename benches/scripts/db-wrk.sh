#!/usr/bin/env bash
# TechEmpower's single query (/db) and fortunes (/fortunes) with wrk: Pulya's `todo_postgres`
# example (the connection injected per request from its container) next to axum with the same
# deadpool-postgres pool (`benches/peers`, bin `axum_db`), both with one worker and a pool of 8,
# against one PostgreSQL server started here on a temporary directory and a free port (as the
# `postgres` user when run as root). wrk: 1 thread, 16 connections, 5 s a round, three rounds
# interleaved. PostgreSQL, the server and wrk share the machine's cores: the ratio is the figure.
#
#   benches/scripts/db-wrk.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
bin=$(dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -n 1)")
[ -x "$bin/pg_ctl" ] || { echo "PostgreSQL is missing (apt-get install -y postgresql)" >&2; exit 1; }
cargo build -q --release -p pulya --example todo_postgres
cargo build -q --release --manifest-path benches/peers/Cargo.toml --bin axum_db
target=${CARGO_TARGET_DIR:-target}
peers_target=${CARGO_TARGET_DIR:-benches/peers/target}

dir=$(mktemp -d)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; as_pg=(runuser -u postgres --); fi
port=$((20000 + RANDOM % 20000))
"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U pulya --auth=trust --no-sync >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
trap '"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
url="postgres://pulya@127.0.0.1:$port/postgres"

# rps <port> <path> <command ...>: requests per second of one 5-second wrk round.
rps() {
  local port=$1 path=$2
  shift 2
  "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
  wrk -t1 -c16 -d5s "http://127.0.0.1:$port$path" 2>/dev/null | awk '/Requests\/sec/ {print $2}'
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
}

pulya=("$target/release/examples/todo_postgres" --addr 127.0.0.1:4300 --database-url "$url" --pool-size 8)
axum=("$peers_target/release/axum_db" --addr 127.0.0.1:4301 --workers 1 --database-url "$url" --pool-size 8)
# The example creates and fills the tables on its first start.
rps 4300 /db env RUST_LOG=warn TOKIO_WORKER_THREADS=1 "${pulya[@]}" >/dev/null

printf '| path | round | pulya | axum | pulya / axum |\n|---|---|---:|---:|---:|\n'
for path in /db /fortunes; do
  for round in 1 2 3; do
    p=$(rps 4300 "$path" env RUST_LOG=warn TOKIO_WORKER_THREADS=1 "${pulya[@]}")
    a=$(rps 4301 "$path" "${axum[@]}")
    printf '| %s | %s | %s | %s | %s |\n' "$path" "$round" "$p" "$a" \
      "$(awk -v a="$p" -v b="$a" 'BEGIN { printf "%.3f", a / b }')"
  done
done
