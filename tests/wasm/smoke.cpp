// Smoke test of the engine compiled to WebAssembly (em++ 3.1.6, libc++ 13) and run under Node.
//
// The browser peer runs this same core, so what matters here is what differs from the native
// build: 32-bit size_t and pointers, an older libc++, no exceptions by default. GoogleTest is not
// available to em++, hence the tiny harness. To add a check, write a `void name()` that uses
// CHECK/CHECK_EQ and list it in kChecks at the bottom.
//
// Built and run by tests/wasm/run_smoke.sh (ctest: wasm_core_smoke), which wants the last line
// "wasm smoke ok" and exit code 0.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <variant>

#include "core/ids.hpp"
#include "core/messages.hpp"
#include "core/stream.hpp"
#include "core/time.hpp"
#include "tests/support/mini_swarm.hpp"

namespace {

int g_failures = 0;

void report_failure(const char* file, int line, const char* what) {
  std::printf("  FAILED %s:%d: %s\n", file, line, what);
  ++g_failures;
}

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) report_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

// Values are printed as long long, which is enough for every integer and enum the engine uses.
#define CHECK_EQ(a, b)                                                            \
  do {                                                                            \
    const auto check_a_ = (a);                                                    \
    const auto check_b_ = (b);                                                    \
    if (!(check_a_ == check_b_)) {                                                \
      report_failure(__FILE__, __LINE__, "CHECK_EQ(" #a ", " #b ")");             \
      std::printf("    left=%lld right=%lld\n", static_cast<long long>(check_a_), \
                  static_cast<long long>(check_b_));                              \
    }                                                                             \
  } while (0)

using namespace potok;

// wasm32 has a 32-bit size_t: the engine's 64-bit counters must not be squeezed through it.
void platform_is_wasm32() {
  CHECK_EQ(sizeof(void*), 4u);
  CHECK_EQ(sizeof(std::size_t), 4u);
  CHECK_EQ(sizeof(std::uint64_t), 8u);
}

void strong_ids_compare_and_hash() {
  CHECK(PeerId{1} < PeerId{2});
  CHECK(PeerId{7} == PeerId{7});
  CHECK_EQ(next(ChunkSeq{41}).value, 42u);
  const ChunkSeq big{(std::uint64_t{1} << 32) + 5};  // beyond 32 bits
  CHECK_EQ(next(big).value, (std::uint64_t{1} << 32) + 6);
  CHECK(std::hash<PeerId>{}(PeerId{3}) == std::hash<PeerId>{}(PeerId{3}));
}

void time_is_microseconds() {
  CHECK(ms(3) == us(3000));
  CHECK_EQ(us_of(at_us(1'500'000) + ms(250)), 1'750'000);
  CHECK(seconds_of(ms(1500)) == 1.5);
  CHECK(at_us(INT64_MAX - 1) < kNever);
}

void stripes_round_robin() {
  StreamParams p;  // 4 stripes by default
  CHECK_EQ(p.stripe_of(ChunkSeq{0}).value, 0);
  CHECK_EQ(p.stripe_of(ChunkSeq{5}).value, 1);
  CHECK_EQ(p.stripe_of(ChunkSeq{7}).value, 3);
  // 2^32 + 1 is 1 mod 4: the modulo must be taken on the full 64-bit sequence number.
  CHECK_EQ(p.stripe_of(ChunkSeq{(std::uint64_t{1} << 32) + 1}).value, 1);
  p.stripe_count = 3;
  CHECK_EQ(p.stripe_of(ChunkSeq{(std::uint64_t{1} << 32) + 1}).value, 2);  // 2^32 % 3 == 1
}

void chunk_size_at_nominal_bitrate() {
  StreamParams p;  // 2.5 Mbit/s, 50 ms chunks
  CHECK_EQ(p.chunk_bytes(), 15'625u);
  p.bitrate_bps = 4'000'000'000u;  // the product overflows 32 bits
  CHECK_EQ(p.chunk_bytes(), 25'000'000u);
}

void nat_pairs_that_connect() {
  // Rows: a, columns: b, in the order Open, Cone, PortRestricted, Symmetric.
  constexpr bool kExpected[4][4] = {
      {true, true, true, true},
      {true, true, true, true},
      {true, true, true, false},
      {true, true, false, false},
  };
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      const bool got = can_connect(static_cast<NatClass>(a), static_cast<NatClass>(b));
      if (got != kExpected[a][b]) {
        std::printf("    can_connect(%d, %d) = %d\n", a, b, got ? 1 : 0);
        report_failure(__FILE__, __LINE__, "can_connect table");
      }
    }
  }
}

void messages_hold_and_compare() {
  Welcome w;
  w.head_seq = ChunkSeq{99};
  w.candidates.push_back(CandidateInfo{PeerId{4}, 120, 2, 3, 0xF, NatClass::kCone, NetCoord{1, 2, 3}});
  Message m = w;
  CHECK(std::holds_alternative<Welcome>(m));
  CHECK(std::get<Welcome>(m) == w);

  auto payload = std::make_shared<const Bytes>(Bytes{1, 2, 3});
  auto chunk = std::make_shared<Chunk>();
  chunk->header.seq = ChunkSeq{10};
  chunk->payload = payload;
  const ChunkData a{chunk, 1, false};
  ChunkData b = a;
  CHECK(a == b);
  b.hops = 2;
  CHECK(!(a == b));
  CHECK_EQ(a.chunk->payload_size(), 3u);
}

// The engine itself under WebAssembly, not only its headers: a source and three relaying peers
// for ten simulated seconds in tests/support/mini_swarm.hpp's lossless world. Every peer must
// play to the end, in order, and never be handed a chunk after its play time.
void mini_swarm_plays_on_time() {
  mini::MiniSwarmConfig config;
  config.peers = 3;
  mini::MiniSwarm swarm(config);
  const Instant end = at_us(10'000'000);
  swarm.run_until(end);
  CHECK_EQ(swarm.chunks_produced(), 201u);  // at 0, 0.05, ..., 10.0 s
  for (PeerId p : swarm.peers()) {
    const mini::NodeLog& log = swarm.log(p);
    CHECK(!log.runaway);
    CHECK_EQ(log.count(out::EventKind::kPlaybackStarted), 1);
    CHECK_EQ(log.count(out::EventKind::kProtocolViolation), 0);
    CHECK(!log.deliveries.empty());
    if (log.deliveries.empty()) continue;
    CHECK(log.deliveries.back().at >= end - ms(1000));  // still playing at the end
    int late = 0, out_of_order = 0;
    for (std::size_t i = 0; i < log.deliveries.size(); ++i) {
      late += log.deliveries[i].late() ? 1 : 0;
      out_of_order += i > 0 && !(log.deliveries[i - 1].seq < log.deliveries[i].seq) ? 1 : 0;
    }
    CHECK_EQ(late, 0);
    CHECK_EQ(out_of_order, 0);
    std::printf("    peer %llu: %u chunks shown, seq %llu..%llu, startup %lld ms\n",
                static_cast<unsigned long long>(p.value), static_cast<unsigned>(log.deliveries.size()),
                static_cast<unsigned long long>(log.deliveries.front().seq.value),
                static_cast<unsigned long long>(log.deliveries.back().seq.value),
                static_cast<long long>(log.first(out::EventKind::kPlaybackStarted)
                                           ? log.first(out::EventKind::kPlaybackStarted)->event.value.count() / 1000
                                           : -1));
  }
}

struct NamedCheck {
  const char* name;
  void (*run)();
};

constexpr NamedCheck kChecks[] = {
    {"platform_is_wasm32", platform_is_wasm32},
    {"strong_ids_compare_and_hash", strong_ids_compare_and_hash},
    {"time_is_microseconds", time_is_microseconds},
    {"stripes_round_robin", stripes_round_robin},
    {"chunk_size_at_nominal_bitrate", chunk_size_at_nominal_bitrate},
    {"nat_pairs_that_connect", nat_pairs_that_connect},
    {"messages_hold_and_compare", messages_hold_and_compare},
    {"mini_swarm_plays_on_time", mini_swarm_plays_on_time},
};

}  // namespace

int main() {
  int failed_checks = 0;
  for (const NamedCheck& check : kChecks) {
    const int before = g_failures;
    check.run();
    const bool ok = g_failures == before;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", check.name);
    if (!ok) ++failed_checks;
  }
  const int total = static_cast<int>(sizeof(kChecks) / sizeof(kChecks[0]));
  if (failed_checks != 0) {
    std::printf("wasm smoke FAILED: %d of %d checks\n", failed_checks, total);
    return 1;
  }
  std::printf("wasm smoke ok (%d checks)\n", total);
  return 0;
}
