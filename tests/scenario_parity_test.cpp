// The parity stripe at scale (sim --parity): the invariants of tests/scenario_test.cpp hold,
// and a relay's abrupt departure costs its former children (almost) nothing, because each of
// them rebuilds the stripe it lost from the other four while it finds a new parent.
// 200 peers for 150 s, seeds 1-3; thresholds are the measured results with a margin.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "sim/swarm.hpp"
#include "tests/support/busiest_relay.hpp"

namespace potok::sim {
namespace {

constexpr std::uint32_t kPeers = 200;
// Continuity without churn (measured 0.996-0.999 at seeds 1-3).
constexpr double kContinuityFloor = 0.99;
// Parity bytes per media byte: a fifth chunk per four, a little larger for its table
// (measured 0.235-0.240).
constexpr double kParityOverheadLow = 0.20, kParityOverheadHigh = 0.30;
// The former children of the departed relay, from 0.5 s to 25 s after: skips per chunk due
// (measured 0-0.020 per child; scenario_test.cpp allows children of a plain stream 0.20, and
// counts only from 5 s after).
constexpr double kSkipShareAfterDeparture = 0.04;

Scenario with_parity(std::uint64_t seed) {
  Scenario s;
  s.peers = kPeers;
  s.duration_s = 150;
  s.seed = seed;
  s.stream.stripe_count = 5;
  s.stream.parity = true;
  return s;
}

class ParitySwarm : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(ParitySwarm, KeepsTheInvariantsAndNeverGivesAChildOfTheSourceTwoStripes) {
  Swarm swarm(with_parity(GetParam()));
  const Engine& source = *swarm.engine(swarm.source_index());
  for (double t = 10; t <= 150; t += 10) {
    swarm.run_until(t);
    std::set<PeerId> children;
    for (std::uint8_t s = 0; s < source.downstream().stripe_count(); ++s)
      for (const ChildLink& c : source.downstream().children(StripeIndex{s}))
        EXPECT_TRUE(children.insert(c.peer).second) << "peer " << c.peer.value << " holds two places at " << t << " s";
  }
  const RunSummary s = swarm.finish();
  EXPECT_EQ(s.late_plays, 0u);
  EXPECT_GE(s.continuity(), kContinuityFloor);
  EXPECT_LE(static_cast<double>(s.source_upload_bytes) / static_cast<double>(s.stream_bytes), 2.0);
  const double parity_overhead = static_cast<double>(s.parity_bytes) / static_cast<double>(s.media_bytes_useful);
  EXPECT_GE(parity_overhead, kParityOverheadLow);
  EXPECT_LE(parity_overhead, kParityOverheadHigh);
}

TEST_P(ParitySwarm, TheChildrenOfADepartedRelayHardlySkipAChunk) {
  Swarm swarm(with_parity(GetParam()));
  swarm.run_until(100);
  const BusiestRelay busiest = busiest_relay(swarm);
  const std::set<std::uint32_t>& children = busiest.children;
  ASSERT_FALSE(children.empty()) << "no peer relays at 100 s";

  std::map<std::uint32_t, std::uint64_t> plays, skips;
  std::uint64_t rebuilt_before = 0;
  for (std::uint32_t c : children) rebuilt_before += swarm.engine(c)->accounting().total().chunks_rebuilt;
  swarm.depart(busiest.relay);
  swarm.set_trace([&](double t, std::uint32_t node, const Output& out) {
    if (t < 100.5 || t > 125 || !children.contains(node)) return;
    if (std::holds_alternative<out::Deliver>(out)) ++plays[node];
    if (const auto* ev = std::get_if<out::Event>(&out); ev && ev->kind == out::EventKind::kChunkSkipped) ++skips[node];
  });
  swarm.run_until(125);

  std::uint64_t rebuilt_after = 0;
  for (std::uint32_t c : children) {
    SCOPED_TRACE("former child " + std::to_string(c) + " of relay " + std::to_string(busiest.relay));
    ASSERT_TRUE(swarm.alive(c));
    rebuilt_after += swarm.engine(c)->accounting().total().chunks_rebuilt;
    const double due = static_cast<double>(plays[c] + skips[c]);
    ASSERT_GT(due, 0);
    EXPECT_LE(static_cast<double>(skips[c]) / due, kSkipShareAfterDeparture);
  }
  EXPECT_GT(rebuilt_after, rebuilt_before) << "nothing was rebuilt: the test did not test parity";
  EXPECT_EQ(swarm.finish().late_plays, 0u);
}

INSTANTIATE_TEST_SUITE_P(Scenario, ParitySwarm, ::testing::Values(1u, 2u, 3u),
                         [](const auto& info) { return "seed" + std::to_string(info.param); });

}  // namespace
}  // namespace potok::sim
