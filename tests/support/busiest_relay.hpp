// The relay with the most children in a simulated swarm, and those children: what the
// departure scenarios (tests/scenario_test.cpp, tests/scenario_parity_test.cpp) take away.
#pragma once

#include <cstdint>
#include <set>

#include "sim/swarm.hpp"

namespace potok::sim {

struct BusiestRelay {
  std::uint32_t relay = 0;               // node index; 0 if no viewer is alive
  std::set<std::uint32_t> children;      // node indices, over all stripes
};

inline BusiestRelay busiest_relay(const Swarm& swarm) {
  BusiestRelay b;
  for (std::uint32_t i = 1; i < swarm.node_count(); ++i)
    if (swarm.alive(i) && (b.relay == 0 || swarm.engine(i)->downstream().used() > swarm.engine(b.relay)->downstream().used()))
      b.relay = i;
  if (b.relay == 0) return b;
  const Downstream& down = swarm.engine(b.relay)->downstream();
  for (std::uint8_t st = 0; st < down.stripe_count(); ++st)
    for (const ChildLink& c : down.children(StripeIndex{st})) b.children.insert(static_cast<std::uint32_t>(c.peer.value - 1));
  return b;
}

}  // namespace potok::sim
