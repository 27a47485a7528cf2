// The simulator's event queue: events come out by time, and events of the same time in the
// order they were created, across the partitions that create them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include "core/rng.hpp"
#include "sim/event_queue.hpp"

namespace potok::sim {
namespace {

TEST(EventQueue, PopsByTimeThenByCreationOrder) {
  struct Case {
    int events;
    std::int64_t time_range_us;  // small ranges make many ties
  };
  for (const Case c : {Case{1, 1}, Case{2, 1}, Case{5, 3}, Case{100, 10}, Case{1000, 1'000'000}, Case{5000, 50}}) {
    SCOPED_TRACE(testing::Message() << c.events << " events over " << c.time_range_us << " us");
    Rng rng(static_cast<std::uint64_t>(c.events));
    EventQueue q;
    std::vector<std::pair<std::int64_t, std::uint32_t>> expected;  // (time, creation index)
    for (int i = 0; i < c.events; ++i) {
      const auto t = static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(c.time_range_us));
      q.push(t, EventType::kWake, static_cast<std::uint32_t>(i));
      expected.emplace_back(t, static_cast<std::uint32_t>(i));
    }
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(q.size(), expected.size());
    for (const auto& [t, node] : expected) {
      ASSERT_FALSE(q.empty());
      const Event e = q.pop();
      EXPECT_EQ(e.t_us, t);
      EXPECT_EQ(e.node, node);
    }
    EXPECT_TRUE(q.empty());
  }
}

TEST(EventQueue, InterleavedPushesAndPopsStayOrdered) {
  Rng rng(7);
  EventQueue q;
  std::int64_t now = 0;
  std::uint64_t last_order = 0;
  bool popped = false;
  for (int step = 0; step < 20000; ++step) {
    if (q.empty() || rng.next() % 3 != 0) {
      q.push(now + static_cast<std::int64_t>(rng.next() % 100), EventType::kMessage, 0);
      continue;
    }
    const Event e = q.pop();
    ASSERT_GE(e.t_us, now);
    if (popped && e.t_us == now) {
      ASSERT_GT(e.order, last_order);
    }
    now = e.t_us;
    last_order = e.order;
    popped = true;
  }
}

// The queue keeps near events in time slices and the rest in a heap. Whatever mix a run gives
// it (events in the slice being taken, past the horizon, before the current slice, laps of the
// ring), each pop is the earliest event, as a plain ordered set of (time, order) says.
TEST(EventQueue, MatchesAnOrderedSetUnderAnyMixOfTimes) {
  struct Mix {
    const char* name;
    std::int64_t near_us;   // most pushes land up to this far ahead
    std::int64_t far_us;    // one push in eight lands up to this far ahead (past the horizon)
    int pops_per_push;      // ~1 keeps the queue at a steady size
  };
  for (const Mix m : {Mix{"dense, same slice", 200, 1'000, 1}, Mix{"messages and wakes", 300'000, 12'000'000, 1},
                      Mix{"sparse laps of the ring", 3'000'000, 40'000'000, 1},
                      Mix{"drains to empty often", 1'000, 20'000'000, 3}}) {
    SCOPED_TRACE(m.name);
    Rng rng(11);
    EventQueue q;
    std::set<std::pair<std::int64_t, std::uint64_t>> reference;
    std::int64_t now = 0;
    int popped = 0;
    for (int step = 0; step < 60000; ++step) {
      const std::uint64_t roll = rng.next();
      if (!reference.empty() && (roll >> 40) % 16 == 0) {
        // A look at the head, as a window's end check does: the queue may move on to a later
        // slice, and the pushes that follow at `now` land before it.
        ASSERT_EQ(std::make_pair(q.top().t_us, q.top().order), *reference.begin());
        continue;
      }
      if (!reference.empty() && roll % static_cast<std::uint64_t>(m.pops_per_push + 1) != 0) {
        ASSERT_FALSE(q.empty());
        const Event head = q.top();
        const Event e = q.pop();
        const auto expected = *reference.begin();
        reference.erase(reference.begin());
        ASSERT_EQ(head.order, e.order);
        ASSERT_EQ(e.t_us, expected.first);
        ASSERT_EQ(e.order, expected.second);
        now = e.t_us;
        ++popped;
        continue;
      }
      const bool far = (roll >> 8) % 8 == 0;
      const std::int64_t ahead = static_cast<std::int64_t>((roll >> 16) % static_cast<std::uint64_t>(far ? m.far_us : m.near_us));
      const Event e{now + ahead, q.take_order(), 0, 0, 0, EventType::kMessage};
      q.push(e);
      reference.emplace(e.t_us, e.order);
      ASSERT_EQ(q.size(), reference.size());
    }
    EXPECT_GT(popped, 20000);
    while (!reference.empty()) {
      ASSERT_FALSE(q.empty());
      const Event e = q.pop();
      ASSERT_EQ(std::make_pair(e.t_us, e.order), *reference.begin());
      reference.erase(reference.begin());
    }
    EXPECT_TRUE(q.empty());
  }
}

// Two partitions' queues hand out orders that never collide, so a handed-over event ties with
// a local one in a fixed way.
TEST(EventQueue, PartitionsHandOutDistinctOrders) {
  EventQueue a(0, 2), b(1, 2);
  std::vector<std::uint64_t> orders;
  for (int i = 0; i < 10; ++i) {
    orders.push_back(a.take_order());
    orders.push_back(b.take_order());
  }
  std::sort(orders.begin(), orders.end());
  EXPECT_EQ(std::adjacent_find(orders.begin(), orders.end()), orders.end());
  EXPECT_EQ(orders.front(), 0u);
  EXPECT_EQ(orders.back(), 19u);
}

}  // namespace
}  // namespace potok::sim
