// The source's input pauses (a publisher drops and reconnects): nothing is produced for a few
// seconds. Viewers fed by the source keep it and play on as soon as chunks flow again, instead
// of re-joining and adding that to the outage. (Viewers behind relays still re-parent after
// the stall limit: docs/design.md, section 10.)
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/log_checks.hpp"
#include "tests/support/mini_swarm.hpp"

namespace potok::mini {
namespace {

using out::EventKind;

TEST(EngineSourcePause, ViewersKeepTheSourceAndResumeWithinASecondOfTheInput) {
  MiniSwarmConfig config;
  config.peers = 1;  // fed by the source directly
  MiniSwarm swarm(config);
  const Instant pause_at = at_s(10), resume_at = at_s(16), end = at_s(25);
  swarm.run_until(pause_at);
  const std::uint64_t last_before = swarm.chunks_produced();
  swarm.pause_production_until(resume_at);
  swarm.run_until(end);
  ASSERT_EQ(swarm.peers().size(), 1u);
  for (PeerId p : swarm.peers()) {
    SCOPED_TRACE(name_of(p));
    const NodeLog& log = swarm.log(p);
    for (const EventRecord& e : log.events) {
      if (e.event.kind != EventKind::kParentSwitched) continue;
      EXPECT_LT(e.at, pause_at) << "gave up a parent during the pause: reason " << int(e.event.detail) << " peer " << e.event.peer.value << " at " << us_of(e.at) / 1e6;
    }
    const auto resumed = std::find_if(log.deliveries.begin(), log.deliveries.end(),
                                      [&](const Delivery& d) { return d.seq.value >= last_before; });
    ASSERT_NE(resumed, log.deliveries.end()) << "never played a chunk made after the pause";
    EXPECT_LE(resumed->play_at - resume_at, ms(1000));
    EXPECT_TRUE(plays_at(log, end));
    EXPECT_GE(continuity(log, resume_at + ms(1000)), 0.99);
  }
}

}  // namespace
}  // namespace potok::mini
