// How often a child speaks to its parents (tests/support/joiner.hpp drives one by hand): often
// enough that no parent takes it for gone, and not more than once per sweep.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/support/joiner.hpp"

namespace potok {
namespace {

using namespace hand_driven;

// Any message to a parent between two sweeps (here a Want for a chunk its stripe's parent never
// pushed) used to put the next keepalive two sweep periods after the previous one: a gap of up
// two periods, which with a 1.5 s period is the whole 3 s child timeout. The missing chunk
// moves by 0.4 s per case, so the Wants land at different points between sweeps.
TEST(EngineKeepalive, AParentHearsFromItsChildEveryPeriodAndAHalfWhateverElseWasSent) {
  const StreamParams p = stream_of_100ms_chunks();
  for (std::uint64_t missing = 140; missing < 180; missing += 4) {  // stripe 0, 14.0 s to 17.6 s
    SCOPED_TRACE("missing chunk " + std::to_string(missing));
    Joiner j(4 * p.bitrate_bps);  // a relay: it also sends its parents Reports
    const auto parents = join_and_play_three_seconds(j, p);
    for (std::uint64_t seq = 130; seq < 230; ++seq) {  // to 23 s
      const Instant at = at_us(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + 200'000);
      if (seq == missing) j.feed(at, in::Tick{});
      else j.feed(at, in::Received{parents.at(p.stripe_of(ChunkSeq{seq}).value), ChunkData{chunk(seq, p), 2, false}});
    }
    ASSERT_FALSE(j.wants.empty()) << "the gap was asked for";
    const Duration period = j.engine().config().tuning.keepalive;
    for (const auto& [stripe, parent] : parents) {
      std::vector<Instant> heard;
      for (Instant t : j.sent_to[parent.value])
        if (t >= at_us(13'500'000)) heard.push_back(t);
      ASSERT_GE(heard.size(), 2u) << "parent " << parent.value;
      Duration longest{};
      for (std::size_t i = 1; i < heard.size(); ++i) longest = std::max(longest, heard[i] - heard[i - 1]);
      // One chunk period more: the sweep runs on the first input after it is due.
      EXPECT_LE(longest, period * 3 / 2 + p.chunk_duration) << "parent " << parent.value;
      EXPECT_LE(heard.size(), 20u) << "parent " << parent.value << ": no more than a sweep's worth";
    }
  }
}

}  // namespace
}  // namespace potok
