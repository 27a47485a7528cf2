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

// The answer to a Subscribe is due 1.5 s after the transport came up, not after we chose the
// parent; the wake-up used to be set for the earlier time.
TEST(EngineWake, APendingSubscribeWhoseTransportCameUpLateWakesOnceWhenItIsDue) {
  const StreamParams p{};
  Joiner j;
  const Instant t0 = at_us(10'000'000), up_at = t0 + ms(1000);
  Welcome w = start_and_welcome(j, t0, p);
  for (std::uint8_t s = 0; s < p.stripe_count; ++s)
    w.candidates.push_back(CandidateInfo{parent_of(s), 100, 1, 1, StripeMask{1} << s, NatClass::kOpen, NetCoord{}});
  j.feed(t0, in::Received{kBootstrap, w});
  j.run_timers_until(up_at);
  for (std::uint8_t s = 0; s < p.stripe_count; ++s) j.feed(up_at, in::Connected{parent_of(s)});
  ASSERT_EQ(j.subscribed.size(), std::size_t{p.stripe_count});
  const int ticks = j.run_timers_until(t0 + ms(3000));  // nobody answers
  ASSERT_EQ(j.given_up.size(), std::size_t{p.stripe_count});
  for (const Joiner::Loss& loss : j.given_up) {
    EXPECT_EQ(loss.reason, static_cast<std::uint8_t>(out::LossReason::kNoAnswer));
    EXPECT_GE(loss.at, up_at + j.engine().config().tuning.subscribe_timeout);
    EXPECT_LE(loss.at, up_at + j.engine().config().tuning.subscribe_timeout + ms(1));
  }
  EXPECT_LE(ticks, 10) << "woken for nothing in the 2 s after the transport came up";
}

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

// An orphaned stripe with children of ours below it is first asked only of peers that cannot
// be our descendants; a deeper one refuses it until the stall limit (3 s after the loss) lets
// us take anyone. The engine wakes for that moment, instead of waiting for some other input.
// (At depth 3: a relay at depth 2 would ask the source first, tests/scenario_source_child_test.cpp.)
TEST(EngineWake, AStripeRefusedForDepthIsAskedAgainWhenTheStallLimitEnds) {
  const StreamParams p{};
  Joiner j(4 * p.bitrate_bps);
  const auto parents = join_and_play_three_seconds(j, p);
  for (std::uint64_t seq = 130; seq < 134; ++seq)  // our parents are at depth 2 now
    j.feed(at_us(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + 200'000),
           in::Received{parents.at(p.stripe_of(ChunkSeq{seq}).value), ChunkData{chunk(seq, p), 3, false}});
  const PeerId child{50}, deeper{60};
  const StripeMask stripe_1 = StripeMask{1} << 1;
  j.feed(at_us(13'500'000), in::Connected{child});
  j.feed(at_us(13'500'000), in::Received{child, Subscribe{stripe_1, ChunkSeq{134}, 0, 0}});
  ASSERT_EQ(j.acks.back().second.accepted, stripe_1);
  const Instant lost_at = at_us(13'550'000);
  for (const auto& [stripe, parent] : parents) j.feed(lost_at, in::Disconnected{parent});
  ASSERT_GE(j.queries, 1) << "nobody known is left: the bootstrap is asked";
  const StripeMask all = (StripeMask{1} << p.stripe_count) - 1;
  const CandidateInfo offer{deeper, 300, 4, 8, all, NatClass::kOpen, NetCoord{}};  // depth 4: below us
  j.feed(lost_at + ms(10), in::Received{kBootstrap, CandidateList{{offer}}});
  j.feed(lost_at + ms(20), in::Connected{deeper});
  ASSERT_EQ(j.subscribed[deeper.value], all);
  j.feed(lost_at + ms(30), in::Received{deeper, SubscribeAck{all & ~stripe_1, stripe_1}});
  j.subscribed.clear();
  const Duration stall_limit = j.engine().config().tuning.stall_limit;
  j.run_timers_until(lost_at + stall_limit - ms(1));
  EXPECT_EQ(j.subscribed[deeper.value] & stripe_1, 0u) << "asked again before the stall limit";
  j.run_timers_until(lost_at + stall_limit + ms(2));
  EXPECT_EQ(j.subscribed[deeper.value] & stripe_1, stripe_1) << "not asked again at the stall limit";
}

}  // namespace
}  // namespace potok
