# The `potok` command line, from the outside: help that exits 0, and bad input refused with a
# non-zero exit status and a message on stderr that says what was wrong.
#
# tests/expect_ok.sh   CMD... -- REGEX : exit 0 and REGEX on stdout (help goes to stdout)
# tests/expect_fail.sh CMD... -- REGEX : exit 1..125 (no crash or signal), no sanitizer report,
#                                        and REGEX on one line of stderr
# tests/expect_quiet.sh CMD... -- FILE : exit 0, nothing on stderr, and FILE written
# For a bad value the message must name both the option and the value it refused, on one line
# (either order): a usage dump alone, which names every option, must not pass.

function(potok_cli_test name kind)
  # ARGN: arguments for potok, then `--`, then the regex
  add_test(NAME cli_${name}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/expect_${kind}.sh $<TARGET_FILE:potok> ${ARGN})
  set_tests_properties(cli_${name} PROPERTIES TIMEOUT 30 LABELS "cli")
endfunction()

potok_cli_test(help ok --help -- "Usage")
potok_cli_test(sim_help ok sim --help -- "--peers")
# --quiet: a script that runs the simulator sees only errors on stderr.
potok_cli_test(sim_quiet quiet sim --peers 20 --duration 5 --quiet
  --report ${CMAKE_CURRENT_BINARY_DIR}/cli_sim_quiet.json -- ${CMAKE_CURRENT_BINARY_DIR}/cli_sim_quiet.json)

potok_cli_test(unknown_option fail --bogus -- "--bogus")
potok_cli_test(unknown_command fail nosuchcommand -- "nosuchcommand")
potok_cli_test(sim_negative_peers fail sim --peers -5 -- "--peers.*-5|-5.*--peers")
potok_cli_test(sim_non_numeric_peers fail sim --peers abc -- "--peers.*abc|abc.*--peers")
potok_cli_test(sim_three_threads fail sim --threads 3 -- "--threads.*3|3.*--threads")
# "0" as a value of its own, not the 0 of "60" or "10.0" in a help line.
potok_cli_test(sim_zero_duration fail sim --duration 0 --
  "--duration.*(^|[^0-9.])0([^0-9.]|$)|(^|[^0-9.-])0([^0-9.]|$).*--duration")

# potok stream / potok watch: help, and absurd values refused before anything starts.
potok_cli_test(stream_help ok stream --help -- "--input")
potok_cli_test(watch_help ok watch --help -- "--headless")
potok_cli_test(stream_bad_http fail stream --http nonsense -- "--http.*nonsense")
potok_cli_test(stream_bad_size fail stream --size 10x10000 -- "--size.*10x10000")
potok_cli_test(stream_zero_fps fail stream --fps 0 -- "--fps.*(^|[^0-9.])0([^0-9.]|$)")
potok_cli_test(stream_loop_without_file fail stream --loop -- "--loop")
potok_cli_test(stream_bad_advertise fail stream --advertise http://x/ -- "--advertise.*http://x/")
potok_cli_test(stream_unknown_option fail stream --bogus -- "--bogus")
potok_cli_test(watch_no_url fail watch -- "URL")
potok_cli_test(watch_bad_url fail watch ftp://x/ -- "ftp")
potok_cli_test(watch_out_and_headless fail watch http://127.0.0.1:1/ --out x.mp4 --headless -- "--out.*--headless")
# Nothing listens on port 1: a clear error, not a hang.
potok_cli_test(watch_unreachable fail watch http://127.0.0.1:1/ -- "127.0.0.1:1")
