// Climbing (core/climb.cpp), driven by hand (tests/support/joiner.hpp): a settled relay asks the
// bootstrap for a shallower place in the stripe it receives latest, and moves that stripe only
// if the move saves at least the climb gain of expected delay.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "tests/support/joiner.hpp"

namespace potok {
namespace {

using namespace hand_driven;

const PeerId kShallower{70};

struct ClimbCase {
  const char* name;
  int saving_over_gain_ms;  // the move's saving (before the RTT), less the climb gain
  bool moves;
};

// A relay with four parents at depth 1, stripe 0 arriving 400 ms after capture and the others
// after 200 ms, pushed live until it asks the bootstrap for a place to climb to. Returns the
// next chunk's sequence number.
std::uint64_t settle_until_climb_query(Joiner& j, const StreamParams& p) {
  join_four_parents(j, at_us(10'000'000), p);
  std::map<std::uint8_t, PeerId> parents;
  for (std::uint8_t s = 0; s < p.stripe_count; ++s) parents[s] = parent_of(s);
  const int queries_before = j.queries;
  std::uint64_t seq = 101;
  for (; seq < 400 && j.queries == queries_before; ++seq)  // the first climb is 10-20 s in
    push_live(j, p, seq, seq + 1, parents, {}, {{0, 400}});
  EXPECT_EQ(j.queries, queries_before + 1) << "no climb query within 30 s";
  return seq;
}

class EngineClimb : public ::testing::TestWithParam<ClimbCase> {};

TEST_P(EngineClimb, TheSlowestStripeMovesToAShallowerParentOnlyIfThatSavesTheClimbGain) {
  const ClimbCase& c = GetParam();
  const StreamParams p = stream_of_100ms_chunks();
  Joiner j(4 * p.bitrate_bps);  // a relay: only relays climb
  const std::uint64_t seq = settle_until_climb_query(j, p);
  const Duration slowest = ms(400);
  ASSERT_EQ(j.engine().upstreams().at(0).delay.mean(), slowest);

  // The bootstrap offers a parent at depth 0 in stripe 0. Its expected delay is its own delay,
  // plus one chunk transfer (100 ms), plus half the RTT our coordinates predict: ours have
  // drifted a little from the origin, where its are, so that adds a few tens of ms at most, and
  // only ever makes the move look worse.
  const Duration gain = j.engine().config().tuning.climb_gain;
  const Duration expected = slowest - gain - ms(c.saving_over_gain_ms);
  const auto offered_delay_ms = static_cast<std::uint32_t>((expected - p.chunk_duration).count() / 1000);
  const CandidateInfo offer{kShallower, offered_delay_ms, 0, 1, StripeMask{1}, NatClass::kOpen, NetCoord{}};
  const Instant answered = at_us(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + 250'000);
  j.feed(answered, in::Received{kBootstrap, CandidateList{{offer}}});
  j.feed(answered + ms(20), in::Connected{kShallower});

  const bool asked = std::count(j.connects.begin(), j.connects.end(), kShallower) > 0;
  EXPECT_EQ(asked, c.moves);
  EXPECT_EQ(j.subscribed[kShallower.value], c.moves ? StripeMask{1} : StripeMask{0});
}

// A place heard of earlier (here in a list the relay did not climb with) may have filled since
// with children as strong as we are: only what the bootstrap offers for the climb is asked.
TEST(EngineClimbOffer, OnlyThePlacesOfferedForTheClimbAreAskedNotOlderCandidates) {
  const StreamParams p = stream_of_100ms_chunks();
  Joiner j(4 * p.bitrate_bps);
  const PeerId heard_before{71};
  const std::uint64_t seq = settle_until_climb_query(j, p);
  const Instant answered = at_us(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + 250'000);
  // Depth 0 and no delay: it would save far more than the offered place, were it still open.
  const CandidateInfo old_place{heard_before, 0, 0, 1, StripeMask{1}, NatClass::kOpen, NetCoord{}};
  const CandidateInfo offered{kShallower, 0, 0, 1, StripeMask{1}, NatClass::kOpen, NetCoord{}};
  j.feed(answered - ms(100), in::Received{parent_of(1), SubscribeAck{StripeMask{0}, StripeMask{0}, {old_place}}});
  j.feed(answered, in::Received{kBootstrap, CandidateList{{offered}}});
  j.feed(answered + ms(20), in::Connected{kShallower});
  EXPECT_EQ(j.subscribed[kShallower.value], StripeMask{1});
  EXPECT_EQ(j.subscribed[heard_before.value], StripeMask{0});
  EXPECT_EQ(std::count(j.connects.begin(), j.connects.end(), heard_before), 0);
}

INSTANTIATE_TEST_SUITE_P(
    SavingAgainstGain, EngineClimb,
    ::testing::Values(ClimbCase{"SavesMoreThanTheGain", 60, true},
                      ClimbCase{"SavesFarMoreThanTheGain", 150, true},
                      ClimbCase{"SavesJustUnderTheGain", -1, false},
                      ClimbCase{"SavesNothing", -400, false}),
    [](const ::testing::TestParamInfo<ClimbCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace potok
