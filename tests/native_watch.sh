#!/usr/bin/env bash
# potok watch, natively, against a real potok stream on 127.0.0.1: it joins, verifies every
# chunk, and records what it plays to an MP4 that ffprobe reads back as H.264 + AAC.
#
# Usage: tests/native_watch.sh POTOK testpattern|srt
# The srt case publishes with ffmpeg to `--input srt://...?mode=listener` (the SRT input path).
set -euo pipefail

potok=$1
input_kind=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

args=(stream --http 127.0.0.1:0 --key "$work/key" --page "$work/page.html" --size 320x180 --duration 60)
if [[ $input_kind == srt ]]; then
  srt_port=$(free_port)
  args+=(--input "srt://127.0.0.1:$srt_port?mode=listener")
fi
"$potok" "${args[@]}" >"$work/stream.out" 2>"$work/stream.err" &
pids+=($!)

url=""
for _ in $(seq 1 100); do  # up to 10 s
  url=$(grep -oE 'watch at http://[^ ]+' "$work/stream.out" | cut -d' ' -f3 || true)
  [[ -n $url ]] && break
  sleep 0.1
done
[[ -n $url ]] || { echo "FAIL: potok stream printed no URL"; cat "$work/stream.err"; exit 1; }
echo "stream at $url"

if [[ $input_kind == srt ]]; then
  ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc2=size=320x180:rate=30 \
    -f lavfi -i sine=frequency=440:sample_rate=48000 -c:v libx264 -preset veryfast -tune zerolatency \
    -g 30 -c:a aac -t 40 -f mpegts "srt://127.0.0.1:$srt_port?mode=caller" >/dev/null 2>&1 &
  pids+=($!)
fi

status=0
timeout 60 "$potok" watch "$url" --out "$work/rec.mp4" --duration 8 --summary --status-every 2 \
  >"$work/summary.json" 2>"$work/watch.err" || status=$?
cat "$work/watch.err"
echo "summary: $(cat "$work/summary.json")"
[[ $status == 0 ]] || { echo "FAIL: potok watch exited $status (0 = it played)"; cat "$work/stream.err"; exit 1; }

python3 - "$work/summary.json" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
problems = []
if not s["playing"]: problems.append("never played")
if s["chunks_rejected"] != 0: problems.append(f"{s['chunks_rejected']} chunks rejected from an honest source")
if s["delivered"] < 15: problems.append(f"only {s['delivered']} chunks shown in 8 s")
if s["chunks_verified"] < s["delivered"]: problems.append("shown more chunks than verified")
if problems:
    print("FAIL: " + "; ".join(problems)); sys.exit(1)
PY

probe=$(ffprobe -v error -show_entries stream=codec_name:format=duration -of compact "$work/rec.mp4")
echo "recording: $probe"
grep -q 'codec_name=h264' <<<"$probe" || { echo "FAIL: no H.264 video in the recording"; exit 1; }
grep -q 'codec_name=aac' <<<"$probe" || { echo "FAIL: no AAC audio in the recording"; exit 1; }
duration=$(grep -oE 'duration=[0-9.]+' <<<"$probe" | cut -d= -f2)
python3 -c "import sys; sys.exit(0 if float('$duration') >= 3 else 1)" ||
  { echo "FAIL: recording lasts $duration s, want >= 3 s"; exit 1; }
# Decodable to the end, not just well-formed boxes.
ffmpeg -v error -i "$work/rec.mp4" -f null - 2>"$work/decode.err" || { cat "$work/decode.err"; echo "FAIL: decode"; exit 1; }
echo "PASS"
