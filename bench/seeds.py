#!/usr/bin/env python3
"""Benchmark: one simulator scenario over many seeds, for one build or two side by side.

A swarm under churn is chaotic: two builds that differ in one timing can move a single seed's
continuity by several thousandths either way (docs/performance.md, sessions 19 and 20), so one
seed, or three, cannot tell a real change from noise. This runs the same seeds with each build
and reports means with their standard errors and, for two builds, the mean of the per-seed
differences (paired, so the seeds' own spread cancels out).

Usage: bench/seeds.py [--potok BIN] [--against BIN] [--peers 1000] [--duration 200]
                      [--churn] [--seeds 40] [--first-seed 1] [--jobs 2] [--out DIR]
  --potok    the build to measure (default build/release/node/potok)
  --against  a second build (e.g. a copy of an earlier binary) to compare with
Each run is `potok sim --threads 1 --quiet`, with its report in DIR/<build>-<seed>.json.
1k x 200 s with churn takes about 3 s a run; 10k x 200 s about a minute.
"""
import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import tempfile

KEYS = [  # (label, path in the report, format)
    ("continuity", ("continuity",), "{:.5f}"),
    ("dup", ("duplicate_ratio",), "{:.4f}"),
    ("latency p50", ("latency_ms", "p50"), "{:.0f}"),
    ("latency p99", ("latency_ms", "p99"), "{:.0f}"),
    ("startup p50", ("startup_ms", "p50"), "{:.0f}"),
    ("source x", ("source_upload_x",), "{:.3f}"),
    ("late plays", ("late_plays",), "{:.0f}"),
]


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def value_of(report, path):
    for key in path:
        report = report[key]
    return float(report)


def run(binary, name, seed, args, out):
    path = os.path.join(out, f"{name}-{seed}.json")
    cmd = [binary, "sim", "--peers", str(args.peers), "--duration", str(args.duration), "--seed", str(seed),
           "--threads", "1", "--quiet", "--report", path]
    if args.churn:
        cmd.append("--churn")
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    with open(path) as f:
        return json.load(f)


def mean_se(values):
    se = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else float("nan")
    return statistics.mean(values), se


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--potok", default="build/release/node/potok")
    parser.add_argument("--against", help="a second build to compare with, seed by seed")
    parser.add_argument("--peers", type=positive, default=1000)
    parser.add_argument("--duration", type=positive, default=200)
    parser.add_argument("--churn", action="store_true")
    parser.add_argument("--seeds", type=positive, default=40)
    parser.add_argument("--first-seed", type=positive, default=1)
    parser.add_argument("--jobs", type=positive, default=2)
    parser.add_argument("--out", help="where the reports go (default: a temporary directory)")
    args = parser.parse_args()

    builds = [("a", args.potok)] + ([("b", args.against)] if args.against else [])
    for _, binary in builds:
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            sys.exit(f"seeds.py: no executable at {binary} (build first: cmake --build build/release -j2)")
    out = args.out or tempfile.mkdtemp(prefix="potok-seeds-")
    os.makedirs(out, exist_ok=True)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))

    jobs = [(name, binary, seed) for seed in seeds for name, binary in builds]
    reports = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run, binary, name, seed, args, out): (name, seed) for name, binary, seed in jobs}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            reports[futures[future]] = future.result()
            print(f"\r{done}/{len(jobs)} runs", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    scenario = f"{args.peers} peers x {args.duration} s{' with churn' if args.churn else ''}, seeds {seeds[0]}-{seeds[-1]}"
    print(f"{scenario}; reports in {out}")
    for name, binary in builds:
        print(f"  {name} = {binary}")
    for label, path, fmt in KEYS:
        line = f"{label:>12}:"
        per_build = {}
        for name, _ in builds:
            per_build[name] = [value_of(reports[(name, s)], path) for s in seeds]
            mean, se = mean_se(per_build[name])
            line += f"  {name} {fmt.format(mean)} ± {fmt.format(se)}"
        if args.against:
            diffs = [b - a for a, b in zip(per_build["a"], per_build["b"])]
            mean, se = mean_se(diffs)
            higher = sum(d > 0 for d in diffs)
            signed = fmt.replace("{:", "{:+")
            line += f"  | b - a {signed.format(mean)} ± {fmt.format(se)} (b higher at {higher} of {len(diffs)})"
        print(line)


if __name__ == "__main__":
    main()
