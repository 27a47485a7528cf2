// Accounting, as a specification: every byte sent or received counts in the totals and, unless
// turned off, against the peer; media bytes split from control, duplicates from useful copies.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/accounting.hpp"

namespace potok {
namespace {

const PeerId kA{1}, kB{2}, kC{0xFFFF'FFFF'FFFF'FFFFULL};

bool same(const TrafficCounters& x, const TrafficCounters& y) {
  return x.bytes_up == y.bytes_up && x.bytes_down == y.bytes_down && x.media_up == y.media_up &&
         x.media_down_useful == y.media_down_useful && x.media_down_duplicate == y.media_down_duplicate &&
         x.control_up == y.control_up && x.control_down == y.control_down;
}

TEST(Accounting, StartsAtZero) {
  const Accounting acc;
  EXPECT_TRUE(same(acc.total(), TrafficCounters{}));
  EXPECT_TRUE(acc.per_peer().empty());
}

// One message at a time: how its bytes split.
struct MessageCase {
  bool sent;
  std::uint64_t wire, media;
  bool duplicate;
  TrafficCounters expected;
};

class AccountingSplit : public ::testing::TestWithParam<MessageCase> {};

TEST_P(AccountingSplit, WireBytesSplitIntoMediaAndControl) {
  const MessageCase& c = GetParam();
  Accounting acc;
  if (c.sent)
    acc.sent(kA, c.wire, c.media);
  else
    acc.received(kA, c.wire, c.media, c.duplicate);
  EXPECT_TRUE(same(acc.total(), c.expected));
  ASSERT_EQ(acc.per_peer().count(kA), 1u);
  EXPECT_TRUE(same(acc.per_peer().at(kA), c.expected));
}

TrafficCounters up(std::uint64_t wire, std::uint64_t media) {
  TrafficCounters t;
  t.bytes_up = wire;
  t.media_up = media;
  t.control_up = wire - media;
  return t;
}
TrafficCounters down(std::uint64_t wire, std::uint64_t useful, std::uint64_t dup) {
  TrafficCounters t;
  t.bytes_down = wire;
  t.media_down_useful = useful;
  t.media_down_duplicate = dup;
  t.control_down = wire - useful - dup;
  return t;
}

INSTANTIATE_TEST_SUITE_P(Accounting, AccountingSplit,
                         ::testing::Values(MessageCase{true, 1200, 1150, false, up(1200, 1150)},
                                           MessageCase{true, 64, 0, false, up(64, 0)},  // pure control
                                           MessageCase{true, 0, 0, false, up(0, 0)},
                                           MessageCase{false, 1200, 1150, false, down(1200, 1150, 0)},
                                           MessageCase{false, 1200, 1150, true, down(1200, 0, 1150)},
                                           MessageCase{false, 40, 0, false, down(40, 0, 0)},
                                           MessageCase{false, 40, 0, true, down(40, 0, 0)}));

TEST(Accounting, TotalsAreTheSumOfPerPeerFigures) {
  Accounting acc;
  acc.sent(kA, 1000, 900);
  acc.sent(kB, 500, 0);
  acc.sent(kA, 300, 250);
  acc.received(kB, 2000, 1900, false);
  acc.received(kC, 700, 650, true);
  acc.received(kA, 30, 0, false);

  const TrafficCounters& a = acc.per_peer().at(kA);
  EXPECT_EQ(a.bytes_up, 1300u);
  EXPECT_EQ(a.media_up, 1150u);
  EXPECT_EQ(a.control_up, 150u);
  EXPECT_EQ(a.bytes_down, 30u);
  EXPECT_EQ(a.control_down, 30u);

  const TrafficCounters& b = acc.per_peer().at(kB);
  EXPECT_EQ(b.bytes_up, 500u);
  EXPECT_EQ(b.control_up, 500u);
  EXPECT_EQ(b.media_down_useful, 1900u);
  EXPECT_EQ(b.media_down_duplicate, 0u);

  const TrafficCounters& c = acc.per_peer().at(kC);
  EXPECT_EQ(c.media_down_duplicate, 650u);
  EXPECT_EQ(c.media_down_useful, 0u);
  EXPECT_EQ(c.control_down, 50u);

  TrafficCounters sum;
  for (const auto& [peer, t] : acc.per_peer()) {
    sum.bytes_up += t.bytes_up;
    sum.bytes_down += t.bytes_down;
    sum.media_up += t.media_up;
    sum.media_down_useful += t.media_down_useful;
    sum.media_down_duplicate += t.media_down_duplicate;
    sum.control_up += t.control_up;
    sum.control_down += t.control_down;
  }
  EXPECT_TRUE(same(acc.total(), sum));
  EXPECT_EQ(acc.total().bytes_up, acc.total().media_up + acc.total().control_up);
  EXPECT_EQ(acc.total().bytes_down,
            acc.total().media_down_useful + acc.total().media_down_duplicate + acc.total().control_down);
}

TEST(Accounting, PerPeerOffKeepsTotalsOnly) {
  Accounting acc;
  acc.set_per_peer(false);
  acc.sent(kA, 100, 80);
  acc.received(kB, 200, 150, true);
  EXPECT_TRUE(acc.per_peer().empty());
  EXPECT_EQ(acc.total().bytes_up, 100u);
  EXPECT_EQ(acc.total().media_down_duplicate, 150u);
}

TEST(Accounting, PerPeerOffFreezesFiguresAlreadyKeptAndOnResumes) {
  Accounting acc;
  acc.sent(kA, 100, 80);
  acc.set_per_peer(false);
  acc.sent(kA, 50, 50);
  EXPECT_EQ(acc.per_peer().at(kA).bytes_up, 100u);
  EXPECT_EQ(acc.total().bytes_up, 150u);
  acc.set_per_peer(true);
  acc.sent(kA, 10, 0);
  EXPECT_EQ(acc.per_peer().at(kA).bytes_up, 110u);
  EXPECT_EQ(acc.total().bytes_up, 160u);
}

TEST(Accounting, ForgetDropsOnePeerAndKeepsTotalsAndOthers) {
  Accounting acc;
  acc.sent(kA, 100, 80);
  acc.received(kB, 200, 150, false);
  const TrafficCounters total_before = acc.total();
  acc.forget(kA);
  EXPECT_EQ(acc.per_peer().count(kA), 0u);
  ASSERT_EQ(acc.per_peer().count(kB), 1u);
  EXPECT_EQ(acc.per_peer().at(kB).media_down_useful, 150u);
  EXPECT_TRUE(same(acc.total(), total_before));
  acc.forget(kC);  // unknown peer: no effect
  EXPECT_EQ(acc.per_peer().size(), 1u);
  acc.sent(kA, 5, 0);  // a forgotten peer starts again from zero
  EXPECT_EQ(acc.per_peer().at(kA).bytes_up, 5u);
}

}  // namespace
}  // namespace potok
