#!/usr/bin/env bash
# Compiles every core/*.cpp plus tests/wasm/smoke.cpp with em++ (Debian's emscripten 3.1.6) and
# runs the result under Node. Passes only if the build is warning-free, node exits 0 and the
# program's last line starts with "wasm smoke ok". A missing em++ is a failure, not a skip: the
# browser peer depends on core/ staying inside what em++ compiles.
#
# Usage: tests/wasm/run_smoke.sh [SOURCE_DIR [OUT_DIR]]
#   defaults: the repository this script is in, and SOURCE_DIR/build/wasm-smoke
# ctest runs it as wasm_core_smoke (tests/wasm_smoke.cmake) with OUT_DIR in its build tree.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "${1:-$here/../..}" && pwd)
out=${2:-$src/build/wasm-smoke}
mkdir -p "$out"
out=$(cd "$out" && pwd)

fail() {
  echo "wasm_core_smoke: FAILED: $*" >&2
  exit 1
}

command -v em++ >/dev/null 2>&1 ||
  fail "em++ not found. Run scripts/setup (it installs Debian's emscripten package)."
command -v node >/dev/null 2>&1 || fail "node not found. Run scripts/setup."

# Debian's em++ loads its JS tools (acorn, ...) from the system's node modules.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

shopt -s nullglob
sources=("$src"/core/*.cpp "$src/tests/wasm/smoke.cpp")
shopt -u nullglob

flags=(
  -std=c++20 -O1 -Wall -Wextra -Werror -I"$src"
  -sENVIRONMENT=node
  -sSINGLE_FILE=1          # the .wasm inlined into the .js: Node 20 then needs no wasmBinary
  -sEXIT_RUNTIME=1         # main's return value becomes node's exit code
  -sALLOW_MEMORY_GROWTH=1  # room for engine scenarios beyond the default 16 MiB
)

build() {  # build LOG: em++ with the environment as it is; output to LOG
  em++ "${flags[@]}" "${sources[@]}" -o "$out/smoke.js" >"$1" 2>&1
}

echo "em++ $(em++ --version 2>/dev/null | grep -oE '[0-9]+[.][0-9]+[.][0-9]+' | head -n1):" \
  "$((${#sources[@]} - 1)) core source(s) + tests/wasm/smoke.cpp"
t0=$(date +%s%N)
rm -f "$out/smoke.js"
build_log="$out/build.log"
status=0
# Debian's emscripten ships a complete prebuilt library cache in /usr/share/emscripten/cache,
# read-only and "frozen": it works for any user, with no warm-up. Should a build ever need a
# library that cache lacks, em++ says "FROZEN_CACHE is set, but cache file is missing"; then the
# build is retried with a writable cache of our own in the build tree (filling it takes two to
# five minutes on two cores, once). An EM_CACHE set by the caller is used as a writable cache.
if [[ -n ${EM_CACHE:-} ]]; then
  export EM_FROZEN_CACHE=
  build "$build_log" || status=$?
else
  build "$build_log" || status=$?
  if ((status != 0)) && grep -q 'FROZEN_CACHE is set, but cache file is missing' "$build_log"; then
    echo "the system emscripten cache lacks a library; retrying with a private cache in $out/emcache"
    export EM_CACHE="$out/emcache" EM_FROZEN_CACHE=
    status=0
    build "$build_log" || status=$?
  fi
fi
cat "$build_log"
ms=$((($(date +%s%N) - t0) / 1000000))
((status == 0)) || fail "em++ build failed (exit $status) after $((ms / 1000)).$((ms % 1000 / 100)) s"
echo "em++ build: $((ms / 1000)).$((ms % 1000 / 100)) s -> $out/smoke.js ($(stat -c %s "$out/smoke.js") bytes)"

run_log="$out/run.log"
status=0
timeout 300 node "$out/smoke.js" >"$run_log" 2>&1 || status=$?
cat "$run_log"
((status == 0)) || fail "node exited with status $status"
last=$(tail -n 1 "$run_log")
[[ $last == "wasm smoke ok"* ]] || fail "expected the last line to start with 'wasm smoke ok', got: $last"
