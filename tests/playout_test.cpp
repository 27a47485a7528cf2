// SourceClock and Playout, as a specification: chunk n is shown at capture(n) + D on the local
// clock; D follows its target at a bounded slew (up by chunk_duration/4, down by /12 per chunk).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/playout.hpp"
#include "core/rng.hpp"

namespace potok {
namespace {

// ---- SourceClock ---------------------------------------------------------------------------

struct ClockCase {
  std::int64_t offset_us;  // source = local + offset
  std::int64_t local_us;
  std::int64_t source_us;
};

class SourceClockConversion : public ::testing::TestWithParam<ClockCase> {};

TEST_P(SourceClockConversion, SourceEqualsLocalPlusOffsetBothWays) {
  const ClockCase& c = GetParam();
  const SourceClock clock{true, c.offset_us};
  EXPECT_EQ(clock.to_source(at_us(c.local_us)), c.source_us);
  EXPECT_EQ(clock.to_local(c.source_us), at_us(c.local_us));
  EXPECT_EQ(clock.to_local(clock.to_source(at_us(c.local_us))), at_us(c.local_us));
}

INSTANTIATE_TEST_SUITE_P(
    SourceClock, SourceClockConversion,
    ::testing::Values(ClockCase{0, 0, 0}, ClockCase{0, 123'456, 123'456},
                      ClockCase{5'000'000, 1'000'000, 6'000'000},      // source ahead
                      ClockCase{-5'000'000, 1'000'000, -4'000'000},    // source behind, goes negative
                      ClockCase{3'000'000'000, -1'000'000'000, 2'000'000'000},  // negative local clock
                      ClockCase{-1'700'000'000'000'000, -7, -1'700'000'000'000'007},
                      ClockCase{1'700'000'000'000'000, 42'000'000, 1'700'000'042'000'000}));

TEST(SourceClock, DefaultIsUnknownWithZeroOffset) {
  const SourceClock clock;
  EXPECT_FALSE(clock.known);
  EXPECT_EQ(clock.to_source(at_us(77)), 77);
}

// ---- Playout: position and skips -----------------------------------------------------------

TEST(Playout, StartsStoppedAndStartSetsHeadDelayAndTarget) {
  Playout p(ms(200));
  EXPECT_FALSE(p.started());
  p.start(ChunkSeq{40}, ms(1500));
  EXPECT_TRUE(p.started());
  EXPECT_EQ(p.next(), ChunkSeq{40});
  EXPECT_EQ(p.delay(), ms(1500));
  EXPECT_EQ(p.target(), ms(1500));
  EXPECT_EQ(p.skip_streak(), 0);
  p.stop();
  EXPECT_FALSE(p.started());
}

TEST(Playout, AdvanceMovesTheHeadOneChunkWhetherShownOrSkipped) {
  Playout p(ms(200));
  p.start(ChunkSeq{7}, ms(1000));
  p.advance(false);
  EXPECT_EQ(p.next(), ChunkSeq{8});
  p.advance(true);
  EXPECT_EQ(p.next(), ChunkSeq{9});
}

TEST(Playout, SkipStreakCountsConsecutiveSkipsAndAShownChunkEndsIt) {
  Playout p(ms(200));
  p.start(ChunkSeq{0}, ms(1000));
  const std::vector<std::pair<bool, int>> steps = {{true, 1}, {true, 2},  {true, 3},
                                                   {false, 0}, {true, 1}, {false, 0}, {false, 0}};
  for (const auto& [skipped, streak] : steps) {
    p.advance(skipped);
    EXPECT_EQ(p.skip_streak(), streak);
  }
}

TEST(Playout, RestartClearsTheSkipStreak) {
  Playout p(ms(200));
  p.start(ChunkSeq{0}, ms(1000));
  p.advance(true);
  p.advance(true);
  p.start(ChunkSeq{100}, ms(800));
  EXPECT_EQ(p.skip_streak(), 0);
  EXPECT_EQ(p.next(), ChunkSeq{100});
}

TEST(Playout, DeadlineIsLocalCaptureTimePlusDelay) {
  Playout p(ms(200));
  p.start(ChunkSeq{0}, ms(1500));
  const SourceClock clock{true, -2'000'000};  // source runs 2 s behind this peer
  // Captured at source 10 s = local 12 s; shown 1.5 s later.
  EXPECT_EQ(p.deadline(10'000'000, clock), at_us(13'500'000));
  EXPECT_EQ(p.deadline(-1'000'000, clock), at_us(2'500'000));
}

TEST(Playout, SteerChangesTheTargetNotTheDelay) {
  Playout p(ms(200));
  p.start(ChunkSeq{0}, ms(1000));
  p.steer(ms(3000));
  EXPECT_EQ(p.target(), ms(3000));
  EXPECT_EQ(p.delay(), ms(1000));
}

// ---- Playout: delay slew -------------------------------------------------------------------

struct SlewCase {
  Duration chunk;
  Duration start;
  Duration target;
  int advances;
  Duration expected;
};

class PlayoutSlew : public ::testing::TestWithParam<SlewCase> {};

TEST_P(PlayoutSlew, DelayRisesByAQuarterChunkFallsByATwelfthAndStopsAtTarget) {
  const SlewCase& c = GetParam();
  Playout p(c.chunk);
  p.start(ChunkSeq{0}, c.start);
  p.steer(c.target);
  for (int i = 0; i < c.advances; ++i) p.advance(i % 3 == 0);
  EXPECT_EQ(p.delay(), c.expected);
  EXPECT_EQ(p.target(), c.target);
}

INSTANTIATE_TEST_SUITE_P(
    Playout, PlayoutSlew,
    ::testing::Values(
        // rising: at most 50 ms per chunk of 200 ms
        SlewCase{ms(200), ms(1000), ms(1100), 1, ms(1050)},
        SlewCase{ms(200), ms(1000), ms(1300), 4, ms(1200)},
        SlewCase{ms(200), ms(1000), ms(1100), 2, ms(1100)},
        SlewCase{ms(200), ms(1000), ms(1100), 50, ms(1100)},  // no overshoot
        SlewCase{ms(200), ms(1000), ms(1005), 1, ms(1005)},   // small gap closed in one step
        SlewCase{ms(200), ms(1000), ms(1030), 2, ms(1030)},
        // falling: at most 20 ms per chunk of 240 ms (playbackRate 240 / 220, about 1.09)
        SlewCase{ms(240), ms(1000), ms(900), 1, ms(980)},
        SlewCase{ms(240), ms(1000), ms(900), 4, ms(920)},
        SlewCase{ms(240), ms(1000), ms(900), 5, ms(900)},
        SlewCase{ms(240), ms(1000), ms(900), 50, ms(900)},  // no undershoot
        SlewCase{ms(240), ms(1000), ms(990), 1, ms(990)},
        // other chunk durations scale the steps
        SlewCase{ms(100), ms(500), ms(600), 3, ms(575)},
        SlewCase{ms(120), ms(500), ms(400), 3, ms(470)},
        SlewCase{ms(1200), ms(2000), ms(0), 1, ms(1900)},
        // on target: stays put
        SlewCase{ms(200), ms(1000), ms(1000), 10, ms(1000)}));

TEST(Playout, NoAdvanceNoSlew) {
  Playout p(ms(200));
  p.start(ChunkSeq{0}, ms(1000));
  p.steer(ms(2000));
  EXPECT_EQ(p.delay(), ms(1000));
}

TEST(Playout, EveryStepMovesTowardTheTargetWithinBoundsAndNeverCrossesIt) {
  const Duration chunk = ms(200);
  Playout p(chunk);
  p.start(ChunkSeq{0}, ms(1000));
  Rng rng(7);
  for (int i = 0; i < 5000; ++i) {
    if (i % 17 == 0) p.steer(ms(static_cast<std::int64_t>(rng.below(4000))));
    const Duration before = p.delay(), target = p.target();
    p.advance(rng.below(4) == 0);
    const Duration after = p.delay();
    if (target > before) {
      EXPECT_GT(after, before);
      EXPECT_LE(after - before, chunk / 4);
      EXPECT_LE(after, target);
    } else if (target < before) {
      EXPECT_LT(after, before);
      EXPECT_LE(before - after, chunk / 12);
      EXPECT_GE(after, target);
    } else {
      EXPECT_EQ(after, before);
    }
  }
}

}  // namespace
}  // namespace potok
