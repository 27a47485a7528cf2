# Replays the wire fuzzer's corpus through the fuzz target's own checks in the ordinary build
# (and under ASan/UBSan in the `asan` preset), so every seed and every input the fuzzer once
# found stays a regression test without needing clang.
add_executable(wire_corpus_replay ${PROJECT_SOURCE_DIR}/fuzz/wire_fuzz.cpp)
target_compile_definitions(wire_corpus_replay PRIVATE POTOK_CORPUS_REPLAY)
target_link_libraries(wire_corpus_replay PRIVATE potok_core)
add_test(NAME wire_fuzz_corpus_replay
         COMMAND wire_corpus_replay ${PROJECT_SOURCE_DIR}/fuzz/corpus/wire)
