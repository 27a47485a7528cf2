# End-to-end tests of the browser peer: a real `potok stream`, Debian's Chromium (headless, driven
# by playwright-core from web/node_modules) opening the generated player page, and FFmpeg as the
# media source where the scenario needs one. Each is a Node.js script in tests/e2e/ that exits 0
# only if all its checks held; it prints what it measured either way. See tests/e2e/lib/.
#
# A browser, a potok and an ffmpeg already fill two cores, and the playback test measures delay
# and stalls: the tests run one at a time and alone (RUN_SERIAL), never beside other tests.

find_program(POTOK_NODEJS node REQUIRED)

set(POTOK_E2E_TESTS
  playback             # 3 viewers, 30 s: startup <= 2 s, delay p95 <= 1 s, no stalls
  forgery              # a relay flips a payload byte: rejected by signature, playback goes on
  file_input           # --input FILE --loop
  pipe_input           # ffmpeg -f mpegts - | potok stream --input -
  rtmp_input           # an RTMP publisher
  publisher_reconnect  # the RTMP publisher dies and comes back: playback resumes
)
foreach(name ${POTOK_E2E_TESTS})
  add_test(NAME e2e_${name}
    COMMAND ${POTOK_NODEJS} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/${name}.mjs)
  set_tests_properties(e2e_${name} PROPERTIES
    ENVIRONMENT "POTOK_BINARY=$<TARGET_FILE:potok>"
    TIMEOUT 180
    RESOURCE_LOCK e2e
    RUN_SERIAL TRUE
    LABELS "e2e")
endforeach()
