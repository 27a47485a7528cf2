// One of the source's children leaves abruptly. It carried a share of a whole stripe (in the 10k
// standard run the source has 7 children for 4 stripes, so sometimes the only one of a stripe),
// and its children are relays with subtrees of their own. The source notices within about
// 1.5 s, keeps the place free for that subtree, and one of its top relays takes it before the
// relays below give up on it (the stall limit, 3 s): the subtree is fed again as it stood.
// Before this, the source noticed after its 3 s child timeout, handed the place to whoever asked
// first, and the orphaned share of the stripe dissolved: 10-40 s with a whole stripe missing at
// 10k (docs/performance.md, session 22). The other top relays take deeper places that are ahead
// of them (Subscribe.newest_live_seq), before the depth rule lifts.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "sim/swarm.hpp"

namespace potok::sim {
namespace {

constexpr std::uint32_t kSourceChildPeers = 300;
constexpr double kDepartAtS = 120;

struct Shape {
  std::uint32_t gone = 0;        // a child of the source...
  StripeIndex stripe{};          // ...in this stripe
  std::set<std::uint32_t> tops;  // its children there that have children there
};

PeerId id_of(std::uint32_t node) { return PeerId{node + 1ULL}; }
std::uint32_t node_of(PeerId peer) { return static_cast<std::uint32_t>(peer.value - 1); }

// The source's child with the most relays below it in one of its stripes.
std::optional<Shape> find_shape(const Swarm& swarm) {
  const Downstream& top = swarm.engine(swarm.source_index())->downstream();
  std::optional<Shape> best;
  for (std::uint8_t s = 0; s < top.stripe_count(); ++s) {
    const StripeIndex stripe{s};
    for (const ChildLink& c : top.children(stripe)) {
      const Engine* child = swarm.engine(node_of(c.peer));
      if (c.leaving() || !child) continue;
      Shape shape{node_of(c.peer), stripe, {}};
      for (const ChildLink& g : child->downstream().children(stripe)) {
        const Engine* grandchild = swarm.engine(node_of(g.peer));
        if (!g.leaving() && grandchild && !grandchild->downstream().children(stripe).empty())
          shape.tops.insert(node_of(g.peer));
      }
      if (!best || shape.tops.size() > best->tops.size()) best = shape;
    }
  }
  if (best && best->tops.empty()) return std::nullopt;
  return best;
}

bool fed_by(const Engine& e, StripeIndex stripe, PeerId parent) {
  const StripeUpstream& up = e.upstreams().at(stripe.value);
  return up.state == StripeUpstream::State::kActive && up.parent == parent;
}

// What one world shows: an empty string if the subtree was taken over as it should be, else
// what went wrong. Late plays and a world without the shape fail the test outright.
std::string departure_in_world(std::uint64_t seed) {
  Scenario sc;
  // What a stream without parity relies on. With parity (the default), the relays below rebuild
  // the stripe meanwhile and are in less of a hurry (tests/scenario_parity_test.cpp).
  sc.stream = StreamParams{};
  sc.peers = kSourceChildPeers;
  sc.duration_s = kDepartAtS + 20;
  sc.seed = seed;
  Swarm swarm(sc, 1);
  swarm.run_until(kDepartAtS);
  const std::optional<Shape> shape = find_shape(swarm);
  EXPECT_TRUE(shape) << "no child of the source has relays below it in world " << seed;
  if (!shape) return "no shape";
  const PeerId gone = id_of(shape->gone), source = id_of(swarm.source_index());
  const StripeIndex stripe = shape->stripe;
  std::ostringstream miss;
  // Who hangs below the top relays now, and whether any of them gives one up.
  std::map<std::uint32_t, std::uint32_t> parent_of;  // a child of a top relay -> that top relay
  for (std::uint32_t t : shape->tops)
    for (const ChildLink& c : swarm.engine(t)->downstream().children(stripe)) parent_of[node_of(c.peer)] = t;
  // Given up for silence, not moved on by an eviction: once the heir is back near the source,
  // the other orphaned top relays displace its weaker children, make before break.
  std::map<std::uint32_t, double> gave_up;
  swarm.set_trace([&](double t, std::uint32_t node, const Output& o) {
    const auto* ev = std::get_if<out::Event>(&o);
    if (!ev || ev->kind != out::EventKind::kParentSwitched || ev->seq.value != stripe.value ||
        ev->detail == static_cast<std::uint8_t>(out::LossReason::kEvicted))
      return;
    auto it = parent_of.find(node);
    if (it != parent_of.end() && ev->peer == id_of(it->second)) gave_up.emplace(node, t);
  });

  swarm.depart(shape->gone);
  // The source's sweep runs every quarter keepalive: timeout plus a sweep and a chunk period.
  swarm.run_until(kDepartAtS + 2.0);
  const Engine& src = *swarm.engine(swarm.source_index());
  if (src.downstream().has_child(stripe, gone)) miss << " the source still feeds the departed child at 2 s;";

  // Detection (about 0.8 s), then a Subscribe to the source, retried until the place is free.
  swarm.run_until(kDepartAtS + 2.8);
  std::optional<std::uint32_t> heir;
  for (std::uint32_t t : shape->tops)
    if (swarm.alive(t) && fed_by(*swarm.engine(t), stripe, source)) heir = t;
  if (!heir) miss << " none of the " << shape->tops.size() << " relays below has its place at 2.8 s;";

  // Its siblings have parents again before the depth rule would lift (3 s after they noticed
  // the loss, 0.4 s or more after the departure): places deeper down, in subtrees that are
  // ahead of them. At 3.6 s, session 22's code left 1 / 1 / 4 of them without one at seeds
  // 3 / 4 / 8 (none at the others).
  swarm.run_until(kDepartAtS + 3.6);
  std::size_t parentless = 0;
  for (std::uint32_t t : shape->tops)
    if (swarm.alive(t) && swarm.engine(t)->upstreams().at(stripe.value).state != StripeUpstream::State::kActive)
      ++parentless;
  if (parentless > 1) miss << " " << parentless << " relays below still without a parent at 3.6 s;";

  swarm.run_until(kDepartAtS + 10);
  std::size_t below = 0, dropped = 0;
  for (const auto& [child, top] : parent_of) {
    if (!heir || top != *heir || !swarm.alive(child)) continue;
    ++below;
    dropped += gave_up.contains(child) ? 1 : 0;
  }
  if (heir && below == 0) miss << " the heir had no children left;";
  // A few may give it up for silence (in session 22, one at seed 1, 1.1 s after the departure).
  if (dropped * 4 > below) miss << " " << dropped << " of " << below << " children of the heir gave it up for silence;";
  EXPECT_EQ(swarm.finish().late_plays, 0u) << "world " << seed;
  return miss.str();
}

// Ten worlds. The takeover is a race against timers in a swarm shaped by chance: over worlds
// 1-40, both session 26's engine and session 27's missed it in 4 (different ones each: any
// change to the engine reshapes every world). So at most 2 of 10 may miss, and each miss is
// named. Before session 27 this ran worlds 1-8, each as a test of its own, and all passed.
TEST(SourceChildDeparture, ATopRelayOfItsSubtreeTakesItsPlaceBeforeTheRelaysBelowGiveUp) {
  std::ostringstream misses;
  int missed = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const std::string miss = departure_in_world(seed);
    if (miss.empty()) continue;
    ++missed;
    misses << "\n  world " << seed << ":" << miss;
  }
  EXPECT_LE(missed, 2) << "worlds where the subtree was not taken over as it should be:" << misses.str();
  if (missed > 0) std::cout << "missed in " << missed << " of 10 worlds:" << misses.str() << "\n";
}

}  // namespace
}  // namespace potok::sim
