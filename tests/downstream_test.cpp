// Downstream, as a specification: each stripe may take ceil(capacity / stripes) staying children;
// a strictly stronger newcomer pushes the weakest staying child of a full stripe down (a climber
// only while few children are leaving), and that child keeps being fed (as leaving) until its
// grace runs out or it is removed.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/config.hpp"
#include "core/downstream.hpp"

namespace potok {
namespace {

using Admission = Downstream::Admission;

const StripeIndex S0{0}, S1{1}, S2{2}, S3{3};
PeerId peer(std::uint64_t id) { return PeerId{id}; }
Instant t(std::int64_t ms_value) { return at_us(ms_value * 1000); }

std::vector<std::uint64_t> ids(const std::vector<ChildLink>& children) {
  std::vector<std::uint64_t> out;
  for (const ChildLink& c : children) out.push_back(c.peer.value);
  return out;
}

struct QuotaCase {
  std::uint8_t stripes;
  std::uint16_t capacity;
  std::uint8_t rotation;
  std::vector<std::uint16_t> quotas;  // per stripe
};

class DownstreamQuota : public ::testing::TestWithParam<QuotaCase> {};

TEST_P(DownstreamQuota, QuotasShareTheCapacityEvenlyWithTheRemainderFromTheRotation) {
  const QuotaCase& c = GetParam();
  Downstream d;
  d.reset(c.stripes, c.capacity, c.rotation);
  std::uint32_t sum = 0;
  for (std::uint8_t s = 0; s < c.stripes; ++s) {
    EXPECT_EQ(d.stripe_quota(StripeIndex{s}), c.quotas[s]) << "stripe " << int(s);
    sum += d.stripe_quota(StripeIndex{s});
  }
  EXPECT_EQ(sum, c.capacity) << "no slot is lost to rounding";
  EXPECT_EQ(d.capacity(), c.capacity);
  EXPECT_EQ(d.spare(), c.capacity);
  EXPECT_EQ(d.used(), 0u);
  EXPECT_EQ(d.stripe_count(), c.stripes);
}

INSTANTIATE_TEST_SUITE_P(Downstream, DownstreamQuota,
                         ::testing::Values(QuotaCase{4, 8, 0, {2, 2, 2, 2}}, QuotaCase{4, 9, 0, {3, 2, 2, 2}},
                                           QuotaCase{4, 9, 3, {2, 2, 2, 3}}, QuotaCase{4, 3, 0, {1, 1, 1, 0}},
                                           QuotaCase{4, 3, 2, {1, 0, 1, 1}}, QuotaCase{4, 0, 1, {0, 0, 0, 0}},
                                           QuotaCase{1, 5, 0, {5}}, QuotaCase{3, 10, 1, {3, 4, 3}},
                                           QuotaCase{4, 7, 5, {1, 2, 2, 2}}));

struct LastQuotaCase {
  std::uint16_t capacity;
  std::uint8_t rotation;
  std::uint16_t last;                 // asked for the last stripe
  std::vector<std::uint16_t> quotas;  // per stripe, of 5
};

class DownstreamLastQuota : public ::testing::TestWithParam<LastQuotaCase> {};

TEST_P(DownstreamLastQuota, TheLastStripeGetsItsOwnQuotaAndTheOthersShareTheRest) {
  const LastQuotaCase& c = GetParam();
  Downstream d;
  d.reset(5, c.capacity, c.rotation);
  d.set_last_stripe_quota(c.last);
  std::uint32_t sum = 0;
  for (std::uint8_t s = 0; s < 5; ++s) {
    EXPECT_EQ(d.stripe_quota(StripeIndex{s}), c.quotas[s]) << "stripe " << int(s);
    sum += d.stripe_quota(StripeIndex{s});
  }
  EXPECT_EQ(sum, c.capacity) << "no slot is lost to rounding";
  d.reset(5, c.capacity, c.rotation);
  const std::uint16_t position = (4 + 5 - c.rotation) % 5;
  EXPECT_EQ(d.stripe_quota(StripeIndex{4}), c.capacity / 5 + (position < c.capacity % 5 ? 1 : 0))
      << "a reset shares all stripes alike again";
}

// The source (7 places: one parity, 2-2-1-1 data), a guard with 36 or 14 slots (a fifth of the
// parity tree's fan-out, capacity / 8), a peer that guards nothing (no parity place), and a
// quota above the capacity (clipped).
INSTANTIATE_TEST_SUITE_P(Downstream, DownstreamLastQuota,
                         ::testing::Values(LastQuotaCase{7, 0, 1, {2, 2, 1, 1, 1}}, LastQuotaCase{36, 0, 4, {8, 8, 8, 8, 4}},
                                           LastQuotaCase{14, 2, 1, {3, 3, 4, 3, 1}}, LastQuotaCase{7, 1, 0, {1, 2, 2, 2, 0}},
                                           LastQuotaCase{2, 0, 5, {0, 0, 0, 0, 2}}));

TEST(Downstream, AdmitsUntilTheStripeQuotaThenRefusesEqualOrWeaker) {
  Downstream d;
  d.reset(2, 4);  // quota 2 per stripe
  EXPECT_EQ(d.admit(S0, peer(1), 5, t(0)).admission, Admission::kAccepted);
  EXPECT_TRUE(d.has_room(S0));
  EXPECT_EQ(d.admit(S0, peer(2), 3, t(0)).admission, Admission::kAccepted);
  EXPECT_FALSE(d.has_room(S0));
  EXPECT_TRUE(d.has_room(S1));
  EXPECT_EQ(d.used(), 2u);
  EXPECT_EQ(d.spare(), 2u);

  for (std::uint16_t cap : {0, 1, 3}) {
    const auto r = d.admit(S0, peer(10 + cap), cap, t(1));
    EXPECT_EQ(r.admission, Admission::kFull) << "capacity " << cap;
    EXPECT_EQ(r.evicted, PeerId{});
  }
  EXPECT_EQ(ids(d.children(S0)), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(d.used(), 2u);
}

TEST(Downstream, AdmittingAnExistingChildAgainIsReportedAndChangesNothing) {
  Downstream d;
  d.reset(2, 4);
  d.admit(S0, peer(1), 5, t(0));
  EXPECT_EQ(d.admit(S0, peer(1), 9, t(1)).admission, Admission::kAlreadyChild);
  EXPECT_EQ(d.used(), 1u);
  EXPECT_EQ(d.children(S0).size(), 1u);
  EXPECT_EQ(d.admit(S1, peer(1), 5, t(1)).admission, Admission::kAccepted) << "other stripe, new slot";
  EXPECT_EQ(d.used(), 2u);
}

TEST(Downstream, StripeOutOfRangeIsRefused) {
  Downstream d;
  d.reset(2, 4);
  EXPECT_EQ(d.admit(S2, peer(1), 5, t(0)).admission, Admission::kFull);
  EXPECT_FALSE(d.has_room(S3));
  EXPECT_FALSE(d.has_child(S2, peer(1)));
  EXPECT_EQ(d.used(), 0u);
}

TEST(Downstream, EveryStripeGetsAShareAndTheSharesAddUpToTheCapacity) {
  Downstream d;
  d.reset(4, 5);  // quotas 2, 1, 1, 1: every stripe gets a share, none is starved
  d.admit(S0, peer(1), 1, t(0));
  d.admit(S0, peer(2), 1, t(0));
  EXPECT_FALSE(d.has_room(S0));
  d.admit(S1, peer(3), 1, t(0));
  d.admit(S2, peer(4), 1, t(0));
  EXPECT_TRUE(d.has_room(S3));
  EXPECT_EQ(d.admit(S3, peer(5), 1, t(0)).admission, Admission::kAccepted);
  EXPECT_EQ(d.spare(), 0u);
  EXPECT_EQ(d.open_stripes(0xF), 0u);
}

// A strictly stronger newcomer displaces the weakest staying child; equal or weaker is refused.
struct PreemptCase {
  std::uint16_t newcomer;
  Admission expected;
};

class DownstreamPreempt : public ::testing::TestWithParam<PreemptCase> {};

TEST_P(DownstreamPreempt, OnlyAStrictlyStrongerNewcomerDisplacesTheWeakest) {
  Downstream d;
  d.reset(2, 4);
  d.admit(S0, peer(1), 6, t(0));
  d.admit(S0, peer(2), 3, t(0));
  const PreemptCase& c = GetParam();
  const auto r = d.admit(S0, peer(9), c.newcomer, t(100));
  EXPECT_EQ(r.admission, c.expected) << "newcomer capacity " << c.newcomer;
  EXPECT_EQ(d.used(), 2u) << "used counts staying children only";
  EXPECT_FALSE(d.has_room(S0));
  if (c.expected == Admission::kPreempted) {
    EXPECT_EQ(r.evicted, peer(2));
    ASSERT_EQ(d.children(S0).size(), 3u);
    EXPECT_TRUE(d.has_child(S0, peer(2))) << "evicted child is still fed during its grace";
    for (const ChildLink& ch : d.children(S0)) EXPECT_EQ(ch.leaving(), ch.peer == peer(2));
    EXPECT_EQ(d.next_expiry(ms(500)), t(600));
  } else {
    EXPECT_EQ(r.evicted, PeerId{});
    EXPECT_EQ(ids(d.children(S0)), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(d.next_expiry(ms(500)), kNever);
  }
}

INSTANTIATE_TEST_SUITE_P(Downstream, DownstreamPreempt,
                         ::testing::Values(PreemptCase{0, Admission::kFull}, PreemptCase{2, Admission::kFull},
                                           PreemptCase{3, Admission::kFull},  // equal never displaces
                                           PreemptCase{4, Admission::kPreempted},
                                           PreemptCase{6, Admission::kPreempted},
                                           PreemptCase{60000, Admission::kPreempted}));

TEST(Downstream, LeavingChildCannotReEnterEvenWithRoom) {
  Downstream d;
  d.reset(1, 2);
  d.admit(S0, peer(1), 5, t(0));
  d.admit(S0, peer(2), 1, t(0));
  ASSERT_EQ(d.admit(S0, peer(3), 4, t(10)).evicted, peer(2));
  EXPECT_EQ(d.admit(S0, peer(2), 100, t(20)).admission, Admission::kFull);
  d.remove(S0, peer(3));  // room again
  ASSERT_TRUE(d.has_room(S0));
  const auto r = d.admit(S0, peer(2), 100, t(30));
  EXPECT_EQ(r.admission, Admission::kFull);
  EXPECT_TRUE(d.children(S0).back().leaving());
  EXPECT_EQ(d.used(), 1u);
}

TEST(Downstream, LeavingChildStaysUntilGraceExpiresThenMayComeBack) {
  Downstream d;
  d.reset(1, 2);
  d.admit(S0, peer(1), 5, t(0));
  d.admit(S0, peer(2), 1, t(0));
  d.admit(S0, peer(3), 4, t(1000));  // evicts 2 at t = 1 s
  const Duration grace = ms(2000);
  EXPECT_EQ(d.next_expiry(grace), t(3000));
  d.expire_leaving(t(2999), grace);
  EXPECT_TRUE(d.has_child(S0, peer(2)));
  d.expire_leaving(t(3000), grace);
  EXPECT_FALSE(d.has_child(S0, peer(2)));
  EXPECT_EQ(d.next_expiry(grace), kNever);
  EXPECT_EQ(ids(d.children(S0)), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(d.used(), 2u);
  d.remove(S0, peer(1));
  EXPECT_EQ(d.admit(S0, peer(2), 1, t(4000)).admission, Admission::kAccepted);
}

TEST(Downstream, NextExpiryIsTheEarliestEvictionPlusGrace) {
  Downstream d;
  d.reset(2, 2);  // quota 1
  d.admit(S0, peer(1), 1, t(0));
  d.admit(S1, peer(2), 1, t(0));
  d.admit(S1, peer(3), 2, t(700));  // evicts 2 at 0.7 s
  d.admit(S0, peer(4), 2, t(300));  // evicts 1 at 0.3 s
  EXPECT_EQ(d.next_expiry(ms(100)), t(400));
  d.expire_leaving(t(400), ms(100));
  EXPECT_EQ(d.next_expiry(ms(100)), t(800));
}

TEST(Downstream, AClimberEvictsOnlyWhileFewerThanMaxLeavingAreStillFedAJoinerAlways) {
  constexpr bool kClimber = true, kJoiner = false;
  Downstream d;
  d.reset(1, 2, 0, 2);
  d.admit(S0, peer(1), 1, t(0));
  d.admit(S0, peer(2), 1, t(0));
  EXPECT_EQ(d.admit(S0, peer(3), 5, t(100), kClimber).admission, Admission::kPreempted);
  EXPECT_EQ(d.admit(S0, peer(4), 5, t(200), kClimber).admission, Admission::kPreempted);
  // Make a weak staying child again, so that only the bound can refuse the next climber.
  d.remove(S0, peer(4));
  d.admit(S0, peer(5), 1, t(300));
  ASSERT_EQ(d.fed(), 4u);
  EXPECT_EQ(d.admit(S0, peer(6), 9, t(400), kClimber).admission, Admission::kFull)
      << "two are leaving already";
  d.remove(S0, peer(1));  // a leaving child moved
  EXPECT_EQ(d.admit(S0, peer(6), 9, t(500), kClimber).admission, Admission::kPreempted);
  EXPECT_EQ(d.fed(), 4u);
  // A joiner is not held to the bound.
  d.remove(S0, peer(6));
  d.admit(S0, peer(7), 1, t(600));
  ASSERT_EQ(d.fed(), 4u);
  EXPECT_EQ(d.admit(S0, peer(8), 9, t(700), kJoiner).admission, Admission::kPreempted);
  EXPECT_EQ(d.fed(), 5u);
}

TEST(Downstream, LeavingSlotsAreWhatTheUplinkCarriesBeyondTheSlotsAndAtLeastOne) {
  StreamParams stream;  // 4 stripes: a stripe is a quarter of the bitrate
  const std::uint64_t bitrate = stream.bitrate_bps;
  EXPECT_EQ(leaving_slots(10 * bitrate, stream, 0.9), 4u);  // 40 streams, 36 promised
  EXPECT_EQ(leaving_slots(4 * bitrate, stream, 0.9), 2u);   // 16, 14
  EXPECT_EQ(leaving_slots(2 * bitrate, stream, 0.9), 1u);   // 8, 7
  EXPECT_EQ(leaving_slots(bitrate, stream, 0.9), 1u);       // 4, 3
  EXPECT_EQ(leaving_slots(bitrate, stream, 1.0), 1u);       // nothing left over: still one
}

TEST(Downstream, RemovingAStayingChildFreesASlotButALeavingOneDoesNot) {
  Downstream d;
  d.reset(1, 2);
  d.admit(S0, peer(1), 5, t(0));
  d.admit(S0, peer(2), 1, t(0));
  d.admit(S0, peer(3), 4, t(0));  // 2 leaving
  ASSERT_EQ(d.used(), 2u);
  EXPECT_EQ(d.fed(), 3u) << "a leaving child is still pushed to";
  d.remove(S0, peer(2));
  EXPECT_EQ(d.used(), 2u);
  EXPECT_EQ(d.fed(), 2u);
  EXPECT_FALSE(d.has_child(S0, peer(2)));
  d.remove(S0, peer(1));
  EXPECT_EQ(d.used(), 1u);
  d.remove(S0, peer(42));  // unknown: no effect
  d.remove(S3, peer(3));   // out of range: no effect
  EXPECT_EQ(d.used(), 1u);
  EXPECT_EQ(ids(d.children(S0)), (std::vector<std::uint64_t>{3}));
}

TEST(Downstream, RemoveEverywhereReportsEveryStripeItHadIncludingLeaving) {
  Downstream d;
  d.reset(4, 4);  // quota 1
  d.admit(S0, peer(7), 1, t(0));
  d.admit(S2, peer(7), 1, t(0));
  d.admit(S3, peer(7), 1, t(0));
  d.admit(S3, peer(8), 5, t(0));  // 7 leaving in S3
  d.admit(S1, peer(9), 1, t(0));
  EXPECT_EQ(d.used(), 4u);
  EXPECT_EQ(d.remove_everywhere(peer(7)), StripeMask{0b1101});
  EXPECT_EQ(d.used(), 2u);
  for (StripeIndex s : {S0, S1, S2, S3}) EXPECT_FALSE(d.has_child(s, peer(7)));
  EXPECT_EQ(d.remove_everywhere(peer(7)), 0u);
}

TEST(Downstream, ChildrenAreOrderedStrongestFirstTiesByArrival) {
  Downstream d;
  d.reset(1, 10);
  const std::vector<std::pair<std::uint64_t, std::uint16_t>> arrivals = {{1, 3}, {2, 8}, {3, 1}, {4, 8},
                                                                          {5, 3}, {6, 0}, {7, 12}};
  for (const auto& [id, cap] : arrivals) ASSERT_EQ(d.admit(S0, peer(id), cap, t(0)).admission, Admission::kAccepted);
  EXPECT_EQ(ids(d.children(S0)), (std::vector<std::uint64_t>{7, 2, 4, 1, 5, 3, 6}));
  for (std::size_t i = 1; i < d.children(S0).size(); ++i)
    EXPECT_GE(d.children(S0)[i - 1].capacity_slots, d.children(S0)[i].capacity_slots);
}

TEST(Downstream, OpenStripesAndWeakestInFullLookOnlyAtRelayableStripes) {
  Downstream d;
  d.reset(4, 8);  // quota 2
  EXPECT_EQ(d.open_stripes(0xF), 0xFu);
  EXPECT_EQ(d.open_stripes(0b0101), 0b0101u);
  EXPECT_EQ(d.weakest_in_full(0xF), 0xFFFF) << "nothing full";
  d.admit(S1, peer(1), 7, t(0));
  d.admit(S1, peer(2), 4, t(0));
  d.admit(S2, peer(3), 9, t(0));
  d.admit(S2, peer(4), 6, t(0));
  d.admit(S3, peer(5), 1, t(0));
  EXPECT_EQ(d.open_stripes(0xF), 0b1001u);
  EXPECT_EQ(d.open_stripes(0b0110), 0u);
  EXPECT_EQ(d.weakest_in_full(0xF), 4);
  EXPECT_EQ(d.weakest_in_full(0b0100), 6);
  EXPECT_EQ(d.weakest_in_full(0b1001), 0xFFFF);
  d.admit(S1, peer(6), 5, t(0));  // evicts 2 (4): leaving children do not count as weakest
  EXPECT_EQ(d.weakest_in_full(0b0010), 5);
}

TEST(Downstream, ResetDropsAllChildren) {
  Downstream d;
  d.reset(2, 4);
  d.admit(S0, peer(1), 1, t(0));
  d.reset(3, 6);
  EXPECT_EQ(d.used(), 0u);
  EXPECT_EQ(d.stripe_count(), 3u);
  EXPECT_TRUE(d.children(S0).empty());
  EXPECT_EQ(d.stripe_quota(S0), 2u);
}

}  // namespace
}  // namespace potok
