#!/usr/bin/env bash
# Instructions per route lookup, counted by callgrind: the route_lookups driver runs 10 and 110
# rounds over a set's paths, and the difference is divided by the extra lookups, so start-up and
# router building cancel out. Deterministic for a given build, whatever else the machine does.
#
#   benches/scripts/route-icount.sh <pulya|pulya_cache|matchit|hashmap> <set> [--params]
#   sets: github gplus parse static github_varied one_param
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
cargo build -q --release -p pulya-benches --example route_lookups
bin="$target"/release/examples/route_lookups
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" ${4:-} 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
case "$2" in
  github_varied) paths=2000 ;;
  one_param) paths=1 ;;
  *) paths=$(grep -c . "benches/data/routes/$2.txt") ;;
esac
a=$(count "$1" "$2" 10 "${3:-}")
b=$(count "$1" "$2" 110 "${3:-}")
echo "$1 $2 ${3:-}: $(( (b - a) / (100 * paths) )) instructions per lookup"
