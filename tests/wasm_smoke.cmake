# wasm_core_smoke: the sans-IO core must keep compiling to WebAssembly with Debian's em++ 3.1.6
# (clang 14, libc++ 13) and behave the same under Node as natively. The test compiles every
# core/*.cpp plus tests/wasm/smoke.cpp with em++, runs it with node, and checks its output; see
# tests/wasm/run_smoke.sh. It fails (never skips) when em++ is missing: run scripts/setup.
#
# em++ is driven by the script rather than as a CMake toolchain so that one configure serves
# both the native and the wasm build. It normally takes 10-20 s (Debian ships a prebuilt
# emscripten library cache); the timeout leaves room for filling a private cache (2-5 min) in
# case that prebuilt cache lacks a library.
add_test(NAME wasm_core_smoke
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/wasm/run_smoke.sh
          ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/wasm_smoke)
set_tests_properties(wasm_core_smoke PROPERTIES
  TIMEOUT 600
  LABELS "wasm")
