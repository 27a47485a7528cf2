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

// A stopped or starved process (the CI machine stalled the streamer's node for about a second;
// viewers then went 11 s without a picture). Viewers fed by the source, leaves like the browser,
// for which the source is the only parent there is.
MiniSwarmConfig leaves_of_the_source() {
  MiniSwarmConfig config;
  config.peers = 3;
  config.peer_upload_x = 0;
  config.source_upload_x = 400;
  return config;
}

void expect_no_parent_given_up(const NodeLog& log, Instant from) {
  for (const EventRecord& e : log.events)
    EXPECT_FALSE(e.event.kind == EventKind::kParentSwitched && e.at >= from)
        << "gave up peer " << e.event.peer.value << " (reason " << int(e.event.detail) << ") at "
        << us_of(e.at) / 1e6 << " s";
}

// Played again within `within` of `from`, and then without more than a few gaps.
void expect_plays_on(const NodeLog& log, Instant from, Duration within, Instant end, int max_resyncs = 0) {
  const auto resumed = std::find_if(log.deliveries.begin(), log.deliveries.end(),
                                    [&](const Delivery& d) { return d.at >= from; });
  ASSERT_NE(resumed, log.deliveries.end()) << "never played again";
  EXPECT_LE(resumed->at - from, within);
  EXPECT_TRUE(plays_at(log, end));
  EXPECT_GE(continuity(log, from + within), 0.99);
  EXPECT_LE(log.count(EventKind::kResynced), max_resyncs);
}

TEST(EngineSourcePause, ViewersKeepAStalledSourceAndPlayOnWhenItRuns) {
  for (const Duration stall : {ms(1000), ms(2000), ms(5000)}) {
    SCOPED_TRACE("source stalled for " + std::to_string(us_of(stall) / 1000) + " ms");
    MiniSwarm swarm(leaves_of_the_source());
    const Instant stall_at = at_s(10), end = at_s(30);
    swarm.run_until(stall_at);
    swarm.freeze(MiniSwarm::source(), stall_at + stall);
    swarm.run_until(end);
    // Longer than a child's timeout (3 s): the source must not drop its children for a silence
    // that was its own.
    EXPECT_EQ(swarm.engine(MiniSwarm::source()).downstream().used(), 3u * 4u);
    for (PeerId p : swarm.peers()) {
      SCOPED_TRACE(name_of(p));
      expect_no_parent_given_up(swarm.log(p), stall_at);
      // Seconds behind when its backlog comes, a viewer may rather jump to the newest group.
      expect_plays_on(swarm.log(p), stall_at + stall, ms(1000), end, stall > ms(3000) ? 1 : 0);
    }
  }
}

TEST(EngineSourcePause, AStalledViewerKeepsItsParents) {
  MiniSwarmConfig config;
  config.peers = 4;  // the last ones join below the first
  config.source_upload_x = 1.5;
  MiniSwarm swarm(config);
  const Instant stall_at = at_s(10), thaw_at = at_s(12), end = at_s(30);
  swarm.run_until(stall_at);
  const PeerId stalled = swarm.peers().back();
  swarm.freeze(stalled, thaw_at);
  swarm.run_until(end);
  expect_no_parent_given_up(swarm.log(stalled), stall_at);
  EXPECT_TRUE(plays_at(swarm.log(stalled), end));
  for (PeerId p : swarm.peers()) {
    if (p == stalled) continue;
    SCOPED_TRACE(name_of(p));
    EXPECT_GE(continuity(swarm.log(p), stall_at), 0.99);
  }
}

TEST(EngineSourcePause, AStripeTheSourceForgotIsResubscribedAtOnce) {
  // The source stops one stripe for us (here: an Unsubscribe we never sent) while the others
  // flow. The viewer must notice the silence and ask again, although the source answers
  // every Ping and is its only possible parent.
  MiniSwarm swarm(leaves_of_the_source());
  const PeerId viewer = swarm.peers().front();
  const Instant lost_at = at_s(10), end = at_s(25);
  swarm.run_until(lost_at);
  swarm.inject(MiniSwarm::source(), viewer, Unsubscribe{StripeMask{1} << 2});
  swarm.run_until(end);
  const NodeLog& log = swarm.log(viewer);
  const EventRecord* switched = log.first(EventKind::kParentSwitched);
  ASSERT_NE(switched, nullptr);
  EXPECT_EQ(switched->event.detail, static_cast<std::uint8_t>(out::LossReason::kSilent));
  EXPECT_EQ(switched->event.seq.value, 2u);  // the stripe
  EXPECT_LE(switched->at - lost_at, ms(1500));
  ASSERT_EQ(swarm.engine(viewer).upstreams().size(), 4u);
  EXPECT_EQ(swarm.engine(viewer).upstreams()[2].state, StripeUpstream::State::kActive);
  EXPECT_GE(continuity(log, lost_at + ms(3000)), 0.99);
  EXPECT_TRUE(plays_at(log, end));
}

}  // namespace
}  // namespace potok::mini
