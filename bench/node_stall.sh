#!/usr/bin/env bash
# Benchmark: the streamer's node (or one viewer) stops running for a while, as a starved or
# stopped process does, and the viewers' summaries say what they lost: chunks skipped, resyncs.
# One `potok stream` (test pattern 426x240) and 3 `potok watch --headless` over 127.0.0.1.
#
# Usage: bench/node_stall.sh [source|viewer] [SECONDS]     (default: source 1)
# Environment: POTOK (default build/release/node/potok), PORT (default 18080)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=${1:-source}
stall_s=${2:-1}
[[ $target == source || $target == viewer ]] || { echo "usage: $0 [source|viewer] [SECONDS]" >&2; exit 2; }
[[ $stall_s =~ ^[0-9]+(\.[0-9]+)?$ ]] && (( ${stall_s%.*} <= 20 )) || { echo "$0: SECONDS must be 0..20" >&2; exit 2; }
potok=${POTOK:-build/release/node/potok}
port=${PORT:-18080}
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

"$potok" stream --size 426x240 --http "127.0.0.1:$port" --page "$dir/page.html" --key "$dir/stream.key" \
  --duration 45 >"$dir/stream.out" 2>"$dir/stream.log" &
source_pid=$!
pids+=("$source_pid")
sleep 2
watchers=()
for i in 1 2 3; do
  "$potok" watch "http://127.0.0.1:$port/" --duration 32 --status-every 1 --summary >"$dir/w$i.out" 2>"$dir/w$i.log" &
  watchers+=("$!")
  pids+=("$!")
  sleep 1.5
done
sleep 5
victim=$source_pid
[[ $target == viewer ]] && victim=${watchers[0]}
echo "stopping the $target (pid $victim) for $stall_s s"
kill -STOP "$victim"
sleep "$stall_s"
kill -CONT "$victim"
for w in "${watchers[@]}"; do wait "$w" || true; done
for i in 1 2 3; do
  echo "viewer $i$([[ $target == viewer && $i == 1 ]] && echo ' (the one stopped)'): $(cat "$dir/w$i.out")"
done
