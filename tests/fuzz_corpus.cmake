# Replays the wire fuzzer's corpus through the fuzz target's own checks in the ordinary build
# (and under ASan/UBSan in the `asan` preset), so every seed and every input the fuzzer once
# found stays a regression test without needing clang.
add_executable(wire_corpus_replay ${PROJECT_SOURCE_DIR}/fuzz/wire_fuzz.cpp
               ${PROJECT_SOURCE_DIR}/fuzz/corpus_replay_main.cpp)
target_link_libraries(wire_corpus_replay PRIVATE potok_core)
add_test(NAME wire_fuzz_corpus_replay
         COMMAND wire_corpus_replay ${PROJECT_SOURCE_DIR}/fuzz/corpus/wire)

# The same for the ingest's fMP4 splitter and media payload (fuzz/fmp4_fuzz.cpp).
add_executable(fmp4_corpus_replay ${PROJECT_SOURCE_DIR}/fuzz/fmp4_fuzz.cpp
               ${PROJECT_SOURCE_DIR}/fuzz/corpus_replay_main.cpp
               ${PROJECT_SOURCE_DIR}/node/media/fmp4.cpp
               ${PROJECT_SOURCE_DIR}/node/media/fmp4_boxes.cpp
               ${PROJECT_SOURCE_DIR}/node/media/media_chunk.cpp
               ${PROJECT_SOURCE_DIR}/node/media/media_payload.cpp)
target_include_directories(fmp4_corpus_replay PRIVATE ${PROJECT_SOURCE_DIR})
add_test(NAME fmp4_fuzz_corpus_replay
         COMMAND fmp4_corpus_replay ${PROJECT_SOURCE_DIR}/fuzz/corpus/fmp4)

# And the greeting in a WebSocket upgrade URL (fuzz/greeting_fuzz.cpp).
add_executable(greeting_corpus_replay ${PROJECT_SOURCE_DIR}/fuzz/greeting_fuzz.cpp
               ${PROJECT_SOURCE_DIR}/fuzz/corpus_replay_main.cpp
               ${PROJECT_SOURCE_DIR}/node/net/link_greeting.cpp)
target_include_directories(greeting_corpus_replay PRIVATE ${PROJECT_SOURCE_DIR})
add_test(NAME greeting_fuzz_corpus_replay
         COMMAND greeting_corpus_replay ${PROJECT_SOURCE_DIR}/fuzz/corpus/greeting)
