// When a viewer joins, the newest keyframe may already be a little too old for its playout
// delay D. Waiting for the next keyframe would cost up to a group (1 s) plus D; starting at the
// old one, a little further behind, shows the picture at once (Tuning::start_stretch).
#include <gtest/gtest.h>

#include "tests/support/log_checks.hpp"
#include "tests/support/mini_swarm.hpp"

namespace potok::mini {
namespace {

using out::EventKind;

Duration startup_when_joining_at(Duration join_at, Duration stretch) {
  MiniSwarmConfig config;
  config.peers = 1;
  config.first_join = join_at;
  config.tuning.start_stretch = stretch;
  MiniSwarm swarm(config);
  swarm.run_until(Instant{} + join_at + ms(4000));
  const EventRecord* started = swarm.log(PeerId{2}).first(EventKind::kPlaybackStarted);
  return started ? started->event.value : Duration::max();
}

// Joins spread over the first half of a group (groups start every second at 0, 1, 2, ... s).
// Without the stretch, joining 300-500 ms in meant waiting for the next group: measured
// 827-1127 ms; with it, 270-427 ms.
TEST(EngineStart, AJoinerStartsAtAKeyframeSlightlyTooOldInsteadOfWaitingForTheNext) {
  const Duration stretch = Tuning{}.start_stretch;
  ASSERT_GT(stretch, Duration{});
  for (int offset_ms = 0; offset_ms <= 500; offset_ms += 100) {
    SCOPED_TRACE("joined " + std::to_string(offset_ms) + " ms into a group");
    EXPECT_LE(startup_when_joining_at(ms(3000 + offset_ms), stretch), ms(600));
  }
}

// The same joins without the stretch, so the test above cannot pass by accident of timing: at
// least one of them waits for the next group.
TEST(EngineStart, WithoutTheStretchSomeJoinerWaitsForTheNextGroup) {
  Duration worst{};
  for (int offset_ms = 0; offset_ms <= 500; offset_ms += 100)
    worst = std::max(worst, startup_when_joining_at(ms(3000 + offset_ms), Duration{}));
  EXPECT_GT(worst, ms(800));
}

}  // namespace
}  // namespace potok::mini
