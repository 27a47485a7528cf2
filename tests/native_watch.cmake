# potok watch against a real potok stream (test pattern, and an SRT publisher): it plays,
# verifies, and records a decodable MP4. See tests/native_watch.sh.
foreach(kind testpattern srt)
  add_test(NAME native_watch_${kind}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/native_watch.sh $<TARGET_FILE:potok> ${kind})
  set_tests_properties(native_watch_${kind} PROPERTIES TIMEOUT 120 RESOURCE_LOCK e2e LABELS "e2e")
endforeach()
