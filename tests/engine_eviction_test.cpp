// An evicted child is still fed by its old parent for a grace period while it moves to the
// newcomer its parent suggested. When that move cannot happen (the newcomer refuses, or cannot
// be reached), the child must look elsewhere at once, while it is still fed, and not wait for
// the old parent to fall silent at the end of the grace and then for the stall limit. A parent
// that knows the newcomer is out of the child's reach suggests nobody, and the child looks at once.
#include <gtest/gtest.h>

#include "tests/support/log_checks.hpp"
#include "tests/support/mini_swarm.hpp"

namespace potok::mini {
namespace {

using out::EventKind;

enum class Suggested { kLeaf, kUnreachable, kNone };

struct FailedMove {
  const char* name;
  Suggested suggested;  // a reachable peer with no slots, which refuses; nobody there; or none at all
  Duration switch_within;  // the child gives up the old parent this soon after the Evict
};

class EngineEviction : public ::testing::TestWithParam<FailedMove> {};

TEST_P(EngineEviction, AChildWhoseMoveFailsFindsAnotherParentBeforeTheGraceEnds) {
  const FailedMove& row = GetParam();
  MiniSwarmConfig config;
  config.peers = 4;
  const PeerId child{2}, leaf{5}, nobody{99};
  config.customize = [&](EngineConfig& c) {
    if (c.self == leaf) c.upload_cap_bps = 0;
  };
  MiniSwarm swarm(config);
  const Instant evict_at = at_s(8), end = at_s(24);
  swarm.run_until(evict_at);
  const StripeUpstream& before = swarm.engine(child).upstreams().at(0);
  ASSERT_EQ(before.state, StripeUpstream::State::kActive);
  const PeerId old_parent = before.parent;
  const PeerId suggested = row.suggested == Suggested::kLeaf ? leaf : row.suggested == Suggested::kUnreachable ? nobody : PeerId{};
  swarm.inject(child, old_parent, Evict{StripeMask{1}, suggested});
  swarm.run_until(end);

  const NodeLog& log = swarm.log(child);
  const EventRecord* moved = nullptr;
  for (const EventRecord& e : log.events)
    if (e.at >= evict_at && e.event.kind == EventKind::kParentSwitched && e.event.peer == old_parent &&
        e.event.detail == static_cast<std::uint8_t>(out::LossReason::kEvicted)) {
      moved = &e;
      break;
    }
  ASSERT_NE(moved, nullptr) << "kept the parent that evicted it";
  EXPECT_LE(moved->at - evict_at, row.switch_within);
  EXPECT_LT(moved->at - evict_at, config.tuning.eviction_grace);
  EXPECT_EQ(swarm.engine(child).upstreams().at(0).state, StripeUpstream::State::kActive);
  EXPECT_TRUE(plays_at(log, end));
  EXPECT_GE(continuity(log, evict_at), 0.99);
}

INSTANTIATE_TEST_SUITE_P(Engine, EngineEviction,
                         ::testing::Values(FailedMove{"NewcomerRefuses", Suggested::kLeaf, ms(500)},
                                           FailedMove{"NewcomerUnreachable", Suggested::kUnreachable, ms(2100)},
                                           FailedMove{"NoneSuggested", Suggested::kNone, ms(0)}),
                         [](const ::testing::TestParamInfo<FailedMove>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace potok::mini
