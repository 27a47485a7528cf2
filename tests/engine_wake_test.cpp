// When an engine asks its driver to wake it (tests/support/joiner.hpp drives one by hand):
// for the time something falls due, not for a time already past. A wake-up that finds nothing
// to do asks again for the same past time, and the driver wakes it every millisecond: in a
// 10k x 200 s churn run (seed 2), 11.8 M of 13.8 M wake-ups were such loops.
#include <gtest/gtest.h>

#include <cstddef>

#include "tests/support/joiner.hpp"

namespace potok {
namespace {

using namespace hand_driven;

// Chunks of three stripes whose parents left are asked of the one parent left, which refuses
// them all. With nobody else to ask, each waits for a helper to appear, instead of asking to
// be woken at once until its deadline.
TEST(EngineWake, ARefusedRepairWithNobodyLeftToAskWaitsInsteadOfLooping) {
  const StreamParams p{};
  Joiner j;
  const auto parents = join_and_play_three_seconds(j, p);
  for (std::uint8_t s = 1; s < p.stripe_count; ++s) j.feed(at_us(13'050'000), in::Disconnected{parents.at(s)});
  std::size_t answered = 0;
  int ticks = 0;
  for (std::uint64_t seq = 130; seq < 160; ++seq) {  // to 16 s
    const Instant at = at_us(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + 200'000);
    ticks += j.run_timers_until(at - ms(1));
    if (p.stripe_of(ChunkSeq{seq}).value == 0)
      j.feed(at, in::Received{parents.at(0), ChunkData{chunk(seq, p), 2, false}});
    else
      j.feed(at, in::Tick{});
    for (; answered < j.wants.size(); ++answered) {
      const auto [wanted, helper] = j.wants[answered];
      j.feed(at, in::Received{helper, NotHave{ChunkSeq{wanted}}});
    }
  }
  ASSERT_GE(j.wants.size(), 10u) << "the orphaned stripes' chunks were asked for";
  for (const auto& [wanted, helper] : j.wants) EXPECT_EQ(helper, parents.at(0)) << "chunk " << wanted;
  EXPECT_LE(ticks, 100) << "wake-ups in 3 s";
}

}  // namespace
}  // namespace potok
