// A relay's engine driven by hand (tests/support/joiner.hpp): what it owes the children that
// subscribe to it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/wire.hpp"

#include "tests/support/joiner.hpp"

namespace potok {
namespace {

using namespace hand_driven;

constexpr StripeMask kStripe2 = 0b0100;

void subscribe_child(Joiner& j, PeerId child, std::uint16_t capacity_slots, Instant at,
                     NatClass nat = NatClass::kOpen) {
  j.feed(at, in::Connected{child});
  j.feed(at, in::Received{child, Subscribe{kStripe2, ChunkSeq{130}, capacity_slots, 0, nat}});
}

// Four leaves fill stripe 2 (a 4x relay has 14 places: stripe 2 takes 4, the rotation starting
// at our id, 2), then a stronger newcomer subscribes there and displaces one of them.
const PeerId kNewcomer{60};
void fill_stripe2_then_displace(Joiner& j, Instant at, NatClass leaves_nat = NatClass::kOpen,
                                NatClass newcomer_nat = NatClass::kOpen) {
  for (std::uint64_t id = 50; id < 54; ++id) subscribe_child(j, PeerId{id}, 0, at, leaves_nat);
  subscribe_child(j, kNewcomer, 8, at, newcomer_nat);
}

// A keepalive Ping keeps the child, and goes unanswered: answering each one doubled the
// messages between children and parents outside the stream. A Ping with a nonce is answered.
TEST(EngineRelay, AKeepaliveIsHeardButNotAnswered) {
  const StreamParams p = stream_of_100ms_chunks();
  Joiner j(4 * p.bitrate_bps);
  join_and_play_three_seconds(j, p);
  const PeerId talker{50}, quiet{51};
  subscribe_child(j, talker, 8, at_us(13'000'000));
  subscribe_child(j, quiet, 8, at_us(13'000'000));
  ASSERT_EQ(j.acks.size(), 2u);
  for (const auto& [child, ack] : j.acks) ASSERT_EQ(ack.accepted, kStripe2);
  // Five seconds of keepalives from one child only, against a 3 s child timeout; ticks between
  // them, as a driver gives them, or the engine would think it had been suspended.
  for (int i = 1; i <= 50; ++i) {
    const Instant at = at_us(13'000'000 + i * 100'000);
    if (i % 10 == 0) j.feed(at, in::Received{talker, Ping{kKeepaliveNonce, 0}});
    else j.feed(at, in::Tick{});
  }
  EXPECT_TRUE(j.pongs.empty());
  EXPECT_TRUE(j.engine().downstream().has_child(StripeIndex{2}, talker)) << "its keepalives were heard";
  EXPECT_FALSE(j.engine().downstream().has_child(StripeIndex{2}, quiet)) << "silent for 5 s";
  j.feed(at_us(18'100'000), in::Received{talker, Ping{7, 123}});
  ASSERT_EQ(j.pongs.size(), 1u);
  EXPECT_EQ(j.pongs[0].first, talker);
  EXPECT_EQ(j.pongs[0].second.nonce, 7u);
  EXPECT_EQ(j.pongs[0].second.echo_us, 123);
}

// A child displaced by a stronger newcomer is fed for the eviction grace and no longer, even
// when nothing but traffic reaches the relay: the grace used to end on timer ticks only, which
// a busy relay's driver need never send, and in the simulator 10x relays then fed 44 children
// on 36 places, their uplinks seconds behind.
TEST(EngineRelay, AnEvictedChildIsFedForTheGraceOnlyWithoutTicks) {
  const StreamParams p = stream_of_100ms_chunks();
  Joiner j(4 * p.bitrate_bps);
  const auto parents = join_and_play_three_seconds(j, p);
  const Instant t_sub = at_us(13'000'000);
  fill_stripe2_then_displace(j, t_sub);
  PeerId evicted{};
  for (const ChildLink& c : j.engine().downstream().children(StripeIndex{2}))
    if (c.leaving()) evicted = c.peer;
  ASSERT_NE(evicted, PeerId{}) << "one of the weak children was displaced";
  j.sent_chunks.clear();
  push_live(j, p, 130, 190, parents);  // to 19 s, chunks only
  const Tuning& tuning = j.engine().config().tuning;
  int fed_in_grace = 0, fed_after = 0;
  for (const Joiner::Sent& s : j.sent_chunks) {
    if (s.to != evicted) continue;
    (s.at < t_sub + tuning.eviction_grace + ms(1) ? fed_in_grace : fed_after) += 1;
  }
  EXPECT_GT(fed_in_grace, 0) << "fed while it moves";
  EXPECT_EQ(fed_after, 0) << "not past the grace";
  EXPECT_FALSE(j.engine().downstream().has_child(StripeIndex{2}, evicted));
}

struct EvictNatCase {
  const char* name;
  NatClass child, newcomer;
  bool suggested;  // the newcomer is named as the evicted child's new parent
};

class EngineEvictNat : public ::testing::TestWithParam<EvictNatCase> {};

// The evicted child is pointed at the newcomer only if the two can connect: a move between
// NATs that cannot reach each other fails after the ICE timeout, by when the grace is over and
// the stripe lost. Otherwise it is told to look for itself (suggested 0), at once.
TEST_P(EngineEvictNat, TheNewcomerIsSuggestedOnlyToAChildThatCanReachIt) {
  const EvictNatCase& c = GetParam();
  const StreamParams p = stream_of_100ms_chunks();
  Joiner j(4 * p.bitrate_bps);
  join_and_play_three_seconds(j, p);
  fill_stripe2_then_displace(j, at_us(13'000'000), c.child, c.newcomer);
  ASSERT_EQ(j.evicts.size(), 1u) << "one weak child displaced";
  const auto& [evicted, evict] = j.evicts.front();
  EXPECT_GE(evicted.value, 50u);
  EXPECT_LT(evicted.value, 54u);
  EXPECT_EQ(evict.stripes, kStripe2);
  EXPECT_EQ(evict.suggested, c.suggested ? kNewcomer : PeerId{});
}

INSTANTIATE_TEST_SUITE_P(
    Engine, EngineEvictNat,
    ::testing::Values(EvictNatCase{"OpenChild", NatClass::kOpen, NatClass::kSymmetric, true},
                      EvictNatCase{"ConeChildSymmetricNewcomer", NatClass::kCone, NatClass::kSymmetric, true},
                      EvictNatCase{"PortRestrictedBoth", NatClass::kPortRestricted, NatClass::kPortRestricted, true},
                      EvictNatCase{"SymmetricChildSymmetricNewcomer", NatClass::kSymmetric, NatClass::kSymmetric, false},
                      EvictNatCase{"PortRestrictedChildSymmetricNewcomer", NatClass::kPortRestricted,
                                   NatClass::kSymmetric, false},
                      EvictNatCase{"SymmetricChildPortRestrictedNewcomer", NatClass::kSymmetric,
                                   NatClass::kPortRestricted, false}),
    [](const ::testing::TestParamInfo<EvictNatCase>& info) { return std::string(info.param.name); });

// A Want is answered while our uplink would send the answer within the repair backlog
// (150 ms), whatever our slots leave over, and refused past that: the children's live chunks
// queue behind every answer. The budget the slots leave over, which repairs used to come from,
// answered one of these six Wants, and under churn such refusals left chunks unrepaired.
TEST(EngineRelay, WantsAreAnsweredWhileTheUplinkHoldsLittleAndRefusedBeyond) {
  const StreamParams p = stream_of_100ms_chunks();
  const std::uint64_t cap = 2 * p.bitrate_bps;
  Joiner j(cap);
  const auto parents = join_and_play_three_seconds(j, p);
  // Six full-size chunks (31,250 bytes: 50 ms each at 5 Mbit/s) from their parents.
  const auto full_chunk = [&](std::uint64_t seq) {
    auto c = std::make_shared<Chunk>(*chunk(seq, p));
    c->payload = std::make_shared<const Bytes>(p.chunk_bytes(), std::uint8_t{0});
    return c;
  };
  for (std::uint64_t seq = 130; seq < 136; ++seq)
    j.feed(at_us(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + 200'000),
           in::Received{parents.at(p.stripe_of(ChunkSeq{seq}).value), ChunkData{full_chunk(seq), 2, false}});
  const Duration transfer{static_cast<Duration::rep>(
      wire::wire_size(ChunkData{full_chunk(130), 3, true}) * 8'000'000 / cap)};
  ASSERT_GT(transfer, ms(45));

  const PeerId asker{70};
  const Instant t = at_us(14'000'000);  // the last push went out 200 ms before
  j.feed(t, in::Connected{asker});
  for (std::uint64_t seq = 130; seq < 136; ++seq) j.feed(t, in::Received{asker, Want{ChunkSeq{seq}}});
  std::vector<std::uint64_t> answered;
  for (const auto& sent : j.sent_chunks)
    if (sent.to == asker) answered.push_back(sent.seq);
  // The k-th answer waits behind k - 1 others (and a few control bytes): answered while that
  // wait is at most 150 ms, that is, three.
  const auto fit = static_cast<std::size_t>(ms(150) / transfer) + 1;
  EXPECT_EQ(fit, 3u);
  EXPECT_EQ(answered, (std::vector<std::uint64_t>{130, 131, 132}));

  // Once the uplink has carried them, it answers again.
  j.feed(t + fit * transfer, in::Received{asker, Want{ChunkSeq{133}}});
  EXPECT_EQ(j.sent_chunks.back().to, asker);
  EXPECT_EQ(j.sent_chunks.back().seq, 133u);
}

}  // namespace
}  // namespace potok
