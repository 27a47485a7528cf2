// The simulator's event heap: events come out by time, and events of the same time in the
// order they were created, across the partitions that create them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
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
