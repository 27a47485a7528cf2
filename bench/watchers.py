#!/usr/bin/env python3
"""Benchmark: one `potok stream` source, N `potok watch --headless` viewers over WebSocket.

Reports the source node's CPU and peak memory (the potok process; its ffmpeg children are
reported apart), the bytes it sent, and the delay behind the source that the watchers saw
(capture -> due on screen, per chunk; the source and the watchers share this machine's clock).

Usage: bench/watchers.py [--potok build/release/node/potok] [--watchers 50] [--seconds 60]
                         [--video-kbps 2372] [--size 640x360] [--json FILE]
Talks to 127.0.0.1 only.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User+system CPU seconds of pid itself."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / TICKS
    return own


def children_cpu(pid):
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            if int(rest[1]) == pid:
                total += (int(rest[11]) + int(rest[12])) / TICKS
        except OSError:
            pass
    return total


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    rank = max(1, min(len(values), int(-(-p * len(values) // 1))))
    return values[rank - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--potok", default="build/release/node/potok")
    ap.add_argument("--watchers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--video-kbps", type=int, default=2372, help="+128 kbps audio = 2.5 Mbps")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    if not (1 <= args.watchers <= 1000) or not (5 <= args.seconds <= 3600):
        sys.exit("watchers must be 1..1000 and seconds 5..3600")

    work = tempfile.mkdtemp(prefix="potok-bench-")
    source = subprocess.Popen(
        [args.potok, "stream", "--http", "127.0.0.1:0", "--key", f"{work}/stream.key", "--page",
         f"{work}/player.html", "--video-kbps", str(args.video_kbps), "--size", args.size,
         "--duration", str(args.seconds + 60)],
        stdout=subprocess.PIPE, stderr=open(f"{work}/source.log", "w"), text=True)
    url = None
    deadline = time.time() + 20
    while time.time() < deadline and url is None:
        line = source.stdout.readline()
        m = re.search(r"watch at (http://\S+)", line or "")
        if m:
            url = m.group(1)
    if not url:
        source.kill()
        sys.exit(f"the source did not print its URL; see {work}/source.log")
    print(f"source at {url}; {args.watchers} watchers for {args.seconds:.0f} s", file=sys.stderr)
    time.sleep(2)  # let ingest produce its first group

    cpu0, t0 = cpu_seconds(source.pid), time.time()
    watchers = [
        subprocess.Popen([args.potok, "watch", url, "--headless", "--duration", str(args.seconds), "--summary",
                          "--status-every", "0"],
                         stdout=subprocess.PIPE, stderr=open(f"{work}/watch-{i}.log", "w"), text=True)
        for i in range(args.watchers)
    ]
    samples = []
    while any(w.poll() is None for w in watchers) and time.time() - t0 < args.seconds + 30:
        time.sleep(1)
        samples.append(cpu_seconds(source.pid))
    cpu1, t1 = cpu_seconds(source.pid), time.time()
    with urllib.request.urlopen(url + "stats.json", timeout=5) as r:
        stats = json.load(r)
    ffmpeg_cpu = children_cpu(source.pid)
    rss = peak_rss_mib(source.pid)
    summaries = []
    for w in watchers:
        try:
            out, _ = w.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            w.kill()
            out = ""
        for line in out.splitlines():
            if line.startswith("{"):
                summaries.append(json.loads(line))
    source.send_signal(signal.SIGINT)
    try:
        source.wait(timeout=10)
    except subprocess.TimeoutExpired:
        source.kill()

    playing = [s for s in summaries if s.get("playing")]
    p95s = [s["play_delay_ms"]["p95"] for s in playing]
    arrival95 = [s["arrival_delay_ms"]["p95"] for s in playing]
    startups = [s["startup_ms"] for s in playing]
    shown = sum(s["delivered"] for s in playing)
    skipped = sum(s["skipped"] for s in playing)
    elapsed = t1 - t0
    result = {
        "watchers": args.watchers,
        "watchers_playing": len(playing),
        "seconds": round(elapsed, 1),
        "source_cpu_percent": round(100 * (cpu1 - cpu0) / elapsed, 1),
        "ffmpeg_cpu_seconds_total": round(ffmpeg_cpu, 1),
        "source_peak_rss_mib": round(rss, 1),
        "source_bytes_sent": stats.get("bytes_sent"),
        "source_send_mbps": round(8 * stats.get("bytes_sent", 0) / elapsed / 1e6, 1),
        "stream_bitrate_kbps": stats.get("bitrate_kbps"),
        "chunks_produced": stats.get("chunks_produced"),
        "play_delay_p95_ms_median_watcher": percentile(p95s, 0.5),
        "play_delay_p95_ms_worst_watcher": max(p95s) if p95s else None,
        "arrival_delay_p95_ms_median_watcher": percentile(arrival95, 0.5),
        "startup_ms_p50": percentile(startups, 0.5),
        "startup_ms_max": max(startups) if startups else None,
        "chunks_shown": shown,
        "chunks_skipped": skipped,
        "logs": work,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0 if len(playing) == args.watchers else 1


if __name__ == "__main__":
    sys.exit(main())
