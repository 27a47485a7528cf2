#!/usr/bin/env bash
# Runs the simulator benchmarks of docs/performance.md and prints one line per run.
# Usage: bench/sim_standard.sh [OUT_DIR]      (default: build/bench)
# Each run writes OUT_DIR/<name>.json (the report) and OUT_DIR/<name>/ (SVG plots).
# The standard scenario is potok sim's default; only size, duration, seed and churn vary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-build/bench}
potok=build/release/node/potok
[[ -x $potok ]] || { echo "build first: cmake --preset release && cmake --build build/release -j2" >&2; exit 1; }
mkdir -p "$out"

run() {  # run NAME ARGS...
  local name=$1
  shift
  "$potok" sim "$@" --quiet --report "$out/$name.json" --plots "$out/$name"
  python3 - "$out/$name.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:>14}: peers {r['peers']} x {r['duration_s']:.0f} s, wall {r['wall_s']:.0f} s | "
      f"latency p50/p95/p99 {r['latency_ms']['p50']:.0f}/{r['latency_ms']['p95']:.0f}/{r['latency_ms']['p99']:.0f} ms | "
      f"startup p50/p95 {r['startup_ms']['p50']:.0f}/{r['startup_ms']['p95']:.0f} ms | "
      f"continuity {r['continuity']:.4f} | late {r['late_plays']} | source {r['source_upload_x']:.2f}x | "
      f"control {r['control_overhead']:.4f} | dup {r['duplicate_ratio']:.4f} | max depth {r['max_depth']}")
PY
}

run standard-1k --peers 1000 --duration 600 --seed 1
run standard-10k --peers 10000 --duration 600 --seed 1
run churn-10k --peers 10000 --duration 600 --seed 1 --churn
if [[ ${POTOK_BENCH_100K:-0} == 1 ]]; then
  run standard-100k --peers 100000 --duration "${POTOK_BENCH_100K_DURATION:-600}" --seed 1
fi
