#!/usr/bin/env bash
# User-space instructions per request in the server process, counted by callgrind: each server
# (Pulya's example, the raw-hyper peer) runs with one worker under callgrind, the load client
# sends 2,000 and then 12,000 requests over 8 keep-alive connections, and the difference of
# the two totals divided by 10,000 is the cost of one request, start-up and shutdown cancelled.
#
#   benches/scripts/e2e-icount.sh [path ...]     (default: /plaintext /json)
#   HELLO_ARGS="--noop-middleware 5" benches/scripts/e2e-icount.sh   (extra arguments for Pulya's
#                                                                     server; the peer gets none)
#   HELLO_FEATURES=ws benches/scripts/e2e-icount.sh                  (Pulya's example built with features)
#   LOAD_STATUS=404 benches/scripts/e2e-icount.sh /missing            (answers expected with another status)
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
cargo build -q --release -p pulya --example hello ${HELLO_FEATURES:+--features "$HELLO_FEATURES"}
cargo build -q --release -p pulya-benches --example peer_hyper --example load
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(/plaintext /json)

# instructions <binary> <port> <path> <requests> [server arguments ...]
instructions() {
  local out pid
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$1" --addr "127.0.0.1:$2" --workers 1 \
    "${@:5}" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break
    sleep 0.1
  done
  "$target"/release/examples/load "127.0.0.1:$2" "$3" "$4" 8
  kill -INT "$pid"
  wait "$pid" || true
  sed -n 's/^summary: \([0-9]*\).*/\1/p; s/^totals: \([0-9]*\).*/\1/p' "$out" | head -n 1
  rm -f "$out"
}

printf '| path | pulya | hyper | pulya / hyper |\n|---|---|---|---|\n'
for path in "${paths[@]}"; do
  row=()
  for server in "$target"/release/examples/hello "$target"/release/examples/peer_hyper; do
    extra=()
    [ "$server" = "$target"/release/examples/hello ] && read -r -a extra <<< "${HELLO_ARGS:-}"
    small=$(instructions "$server" 3917 "$path" 2000 "${extra[@]}")
    large=$(instructions "$server" 3917 "$path" 12000 "${extra[@]}")
    row+=($(( (large - small) / 10000 )))
  done
  ratio=$(awk -v a="${row[0]}" -v b="${row[1]}" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s | %s× |\n' "$path" "${row[0]}" "${row[1]}" "$ratio"
done
