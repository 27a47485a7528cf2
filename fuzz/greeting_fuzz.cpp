// libFuzzer target for the greeting a dialler puts in its WebSocket upgrade URL
// (node/net/link_greeting.hpp): any request target must parse or be refused with a reason,
// never crash, and a greeting that parses must survive being written out and read back.
//
// Input: the request target, as bytes. Built as the fuzzer (preset `fuzz`) and, with
// fuzz/corpus_replay_main.cpp, as greeting_corpus_replay (ctest).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "node/net/link_greeting.hpp"

namespace {
void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "greeting_fuzz: check failed: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace potok::net;
  const std::string target(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto greeting = parse_greeting(target, error);
  if (!greeting) return 0;
  check(error.empty(), "a parsed greeting comes with no error");
  check(greeting->peer.value != 0, "peer 0 is refused");
  check(greeting->first_frame.size() <= kMaxGreetingFrame, "the frame is bounded");
  const auto again = parse_greeting(with_greeting(std::string(target_path(target)), *greeting), error);
  check(again.has_value(), "a written greeting parses");
  check(again->peer == greeting->peer && again->first_frame == greeting->first_frame, "and reads back the same");
  return 0;
}
