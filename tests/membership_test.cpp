// Membership, as a specification: the bootstrap hands out, per stripe, the shallowest relays
// with room; each hand-out holds one reported place on lease, so a burst of joiners between two
// reports spreads over the swarm instead of herding onto one relay; a lease lapses after its
// time, and a relay's own report is what it says until then, minus the leases still running.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/membership.hpp"

namespace potok {
namespace {

constexpr Duration kExpiry = ms(16000);
constexpr Duration kLease = ms(2000);
Instant t(std::int64_t ms_value) { return at_us(ms_value * 1000); }

// A relay at `depth` in stripe 0 only, with `room` places left there.
Report relay(std::uint8_t depth, std::uint8_t room, std::uint16_t delay_ms = 100) {
  Report r;
  r.capacity_slots = 8;
  r.spare_slots = room;
  r.stripes = {StripeOffer{depth, delay_ms, room, static_cast<std::uint16_t>(room ? 0xFFFF : 4)}};
  return r;
}

// A relay at depth 1 in stripes 0 and 1, with two places left in each.
Report relay_in_two_stripes() {
  Report r;
  r.capacity_slots = 8;
  r.spare_slots = 4;
  r.stripes = {StripeOffer{1, 100, 2, 0xFFFF}, StripeOffer{1, 100, 2, 0xFFFF}};
  return r;
}

Membership::Asker joiner(std::uint64_t id, std::uint16_t capacity = 0) {
  return Membership::Asker{PeerId{id}, NatClass::kOpen, NetCoord{}, capacity};
}

std::vector<std::uint64_t> handed(Membership& m, std::uint64_t asker, Instant now) {
  std::vector<std::uint64_t> ids;
  for (const CandidateInfo& c : m.candidates_for(joiner(asker), 12, now)) ids.push_back(c.peer.value);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(Membership, HandsOutTheShallowestRelaysWithRoomFirst) {
  Membership m(kExpiry, kLease, 1);
  m.reported(PeerId{1}, relay(3, 2), t(0));
  m.reported(PeerId{2}, relay(1, 2), t(0));
  m.reported(PeerId{3}, relay(2, 2), t(0));
  m.reported(PeerId{4}, relay(4, 2), t(0));
  m.reported(PeerId{5}, relay(1, 0), t(0));  // full: not offered to a leaf
  const auto list = m.candidates_for(joiner(100), 12, t(10));
  ASSERT_EQ(list.size(), 3u) << "three relays with room per stripe";
  EXPECT_EQ(list[0].peer.value, 2u);
  EXPECT_EQ(list[1].peer.value, 3u);
  EXPECT_EQ(list[2].peer.value, 1u);
}

TEST(Membership, ARelayIsHandedOutNoMoreOftenThanItHasPlacesUntilTheLeaseLapses) {
  Membership m(kExpiry, kLease, 1);
  m.reported(PeerId{1}, relay(1, 1), t(0));  // one place
  m.reported(PeerId{2}, relay(2, 2), t(0));  // two places
  EXPECT_EQ(handed(m, 100, t(10)), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(handed(m, 101, t(20)), (std::vector<std::uint64_t>{2})) << "relay 1's only place is on lease";
  EXPECT_TRUE(handed(m, 102, t(30)).empty()) << "every place is on lease";
  // The first leases lapse: the joiners did not take those places after all.
  EXPECT_EQ(handed(m, 103, t(10) + kLease), (std::vector<std::uint64_t>{1, 2}));
}

TEST(Membership, AReportSaysHowManyPlacesAreLeftButLeasesStillRunning) {
  Membership m(kExpiry, kLease, 1);
  m.reported(PeerId{1}, relay(1, 2), t(0));
  EXPECT_EQ(handed(m, 100, t(10)), (std::vector<std::uint64_t>{1}));
  // Joiner 100 has not subscribed yet, so the relay still reports both places.
  m.reported(PeerId{1}, relay(1, 2), t(500));
  EXPECT_EQ(handed(m, 101, t(600)), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(handed(m, 102, t(700)).empty()) << "two places, two leases";
  // It filled up: nothing to hand out even once the leases lapse.
  m.reported(PeerId{1}, relay(1, 0), t(1000));
  EXPECT_TRUE(handed(m, 103, t(5000)).empty());
}

TEST(Membership, AFlashCrowdSpreadsOverRelaysInsteadOfHerding) {
  // 20 relays with 2 places each, 40 joiners within 100 ms (no report in between): every
  // relay is handed out about as often as it has places.
  Membership m(kExpiry, kLease, 1);
  for (std::uint64_t r = 1; r <= 20; ++r) m.reported(PeerId{r}, relay(static_cast<std::uint8_t>(1 + r % 3), 2), t(0));
  std::vector<int> times(21, 0);
  for (std::uint64_t j = 0; j < 40; ++j)
    for (const CandidateInfo& c : m.candidates_for(joiner(100 + j), 12, t(10 + static_cast<std::int64_t>(j) * 2)))
      ++times[c.peer.value];
  for (std::uint64_t r = 1; r <= 20; ++r) EXPECT_LE(times[r], 2) << "relay " << r;
}

TEST(Membership, OnlyTheWantedStripesAreAnswered) {
  Membership m(kExpiry, kLease, 2);
  const Report both = relay_in_two_stripes();
  m.reported(PeerId{1}, both, t(0));
  const auto list = m.candidates_for(joiner(100), 12, t(10), StripeMask{0b10});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].stripes, StripeMask{0b10}) << "offered in stripe 1 only";
  // Stripe 0 was not handed out, so it holds no lease: both of its places are still there.
  EXPECT_EQ(m.candidates_for(joiner(101), 12, t(20), StripeMask{0b01}).size(), 1u);
  EXPECT_EQ(m.candidates_for(joiner(102), 12, t(30), StripeMask{0b01}).size(), 1u);
  EXPECT_TRUE(m.candidates_for(joiner(103), 12, t(40), StripeMask{0b01}).empty());
}

TEST(Membership, ARelayThatLeftIsNeverHandedOutAndItsLeasesAreHarmless) {
  Membership m(kExpiry, kLease, 1);
  m.reported(PeerId{1}, relay(1, 1), t(0));
  EXPECT_EQ(handed(m, 100, t(10)), (std::vector<std::uint64_t>{1}));
  m.left(PeerId{1});
  EXPECT_TRUE(handed(m, 101, t(10) + kLease).empty()) << "its lease lapses on nothing";
  m.reported(PeerId{1}, relay(1, 1), t(5000));  // back, with a fresh report
  EXPECT_EQ(handed(m, 102, t(5010)), (std::vector<std::uint64_t>{1}));
}

// Reports move an entry within its list (a new delay), between the lists (room, full, neither)
// and change how many stripes it offers; the bootstrap re-places only what moved, and what it
// hands out must be exactly what the latest reports say.
TEST(Membership, EachReportPlacesTheRelayWhereItsLatestOfferBelongs) {
  Membership m(kExpiry, kLease, 1);
  for (std::uint64_t r = 1; r <= 4; ++r) m.reported(PeerId{r}, relay(2, 2, static_cast<std::uint16_t>(100 * r)), t(0));
  // Three per stripe, the fastest of equal depth first: relay 4 (400 ms) is left out. Each of
  // the three keeps a place open, and sinks by the hand-out penalty.
  EXPECT_EQ(handed(m, 100, t(10)), (std::vector<std::uint64_t>{1, 2, 3}));
  m.reported(PeerId{1}, relay(2, 2, 500), t(20));  // now the slowest: to the end of the open list
  EXPECT_EQ(handed(m, 101, t(30)), (std::vector<std::uint64_t>{2, 3, 4}));
  m.reported(PeerId{2}, relay(2, 0), t(3000));  // full: among the displaceable, not the open
  Report leaf = relay(1, 1);
  leaf.capacity_slots = 0;
  m.reported(PeerId{3}, leaf, t(3000));             // no upload now: in neither list
  m.reported(PeerId{1}, relay(1, 1, 50), t(3000));  // shallower and fastest
  m.reported(PeerId{4}, relay(2, 1, 400), t(3000));
  EXPECT_EQ(handed(m, 102, t(3010)), (std::vector<std::uint64_t>{1, 4}));
  const auto strong = m.candidates_for(joiner(103, 36), 12, t(3020));
  EXPECT_TRUE(std::any_of(strong.begin(), strong.end(), [](const CandidateInfo& c) { return c.peer == PeerId{2}; }))
      << "a strong asker may displace relay 2's 4-slot child";
  m.reported(PeerId{3}, relay(3, 1), t(6000));  // back with room
  m.reported(PeerId{2}, relay(3, 1, 10), t(6000));
  EXPECT_EQ(handed(m, 104, t(9000)), (std::vector<std::uint64_t>{1, 2, 4}));
}

TEST(Membership, AReportWithFewerStripesWithdrawsTheOthers) {
  Membership m(kExpiry, kLease, 2);
  const Report both = relay_in_two_stripes();
  m.reported(PeerId{1}, both, t(0));
  m.reported(PeerId{1}, relay(1, 2), t(100));  // stripe 0 only
  EXPECT_TRUE(m.candidates_for(joiner(100), 12, t(200), StripeMask{0b10}).empty());
  EXPECT_EQ(m.candidates_for(joiner(101), 12, t(300), StripeMask{0b01}).size(), 1u);
  m.reported(PeerId{1}, both, t(400));
  EXPECT_EQ(m.candidates_for(joiner(102), 12, t(500), StripeMask{0b10}).size(), 1u);
}

// A full relay at `depth` in stripe 0 whose weakest child has `weakest_child` slots.
Report full_relay(std::uint8_t depth, std::uint16_t weakest_child) {
  Report r;
  r.capacity_slots = 36;
  r.spare_slots = 0;
  r.stripes = {StripeOffer{depth, 100, 0, weakest_child}};
  return r;
}

struct DisplaceCase {
  const char* name;
  int full_of_equals;          // full relays at depths 1-2 whose weakest child is as strong as the asker
  std::uint16_t asker_slots;
  bool offered;                // is the depth-3 relay with a 3-slot child offered?
};

class MembershipDisplace : public ::testing::TestWithParam<DisplaceCase> {};

// The top of a tree is full of relays whose children are as strong as they are; a strong relay's
// place is a level further down, with a parent whose weakest child it outranks. The walk limit
// (16 entries) once stopped at the top, and 10x relays sat at depth 8 while leaves held places at
// depth 4: passing a relay that has no weaker child does not count against it.
TEST_P(MembershipDisplace, AStrongAskerIsShownAFullRelayWithAWeakerChildPastTheFullTop) {
  const DisplaceCase& c = GetParam();
  Membership m(kExpiry, kLease, 1);
  for (int i = 0; i < c.full_of_equals; ++i)
    m.reported(PeerId{static_cast<std::uint64_t>(1000 + i)}, full_relay(static_cast<std::uint8_t>(1 + i % 2), 36), t(0));
  m.reported(PeerId{7}, full_relay(3, 3), t(0));
  m.reported(PeerId{8}, relay(5, 2), t(0));  // room, but deeper
  const auto list = m.candidates_for(joiner(100, c.asker_slots), 12, t(10));
  const bool offered = std::any_of(list.begin(), list.end(), [](const CandidateInfo& x) { return x.peer == PeerId{7}; });
  EXPECT_EQ(offered, c.offered);
  for (const CandidateInfo& x : list) EXPECT_LT(x.peer.value, 1000u) << "a relay full of equals is no place";
}

INSTANTIATE_TEST_SUITE_P(
    Membership, MembershipDisplace,
    ::testing::Values(DisplaceCase{"NoFullTop", 0, 36, true}, DisplaceCase{"FullTopWithinTheWalk", 10, 36, true},
                      DisplaceCase{"FullTopPastTheWalk", 40, 36, true},
                      DisplaceCase{"FullTopOfTwoHundred", 200, 36, true},
                      DisplaceCase{"FullTopPastThePassLimit", 300, 36, false},
                      DisplaceCase{"AskerNoStrongerThanTheChild", 40, 3, false},
                      DisplaceCase{"LeafAsker", 0, 0, false}),
    [](const ::testing::TestParamInfo<DisplaceCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace potok
