// DelayEstimator, as a specification: RFC 6298-style smoothed mean (gain 1/8) and mean
// deviation (gain 1/4); upper() = mean + 3 deviations.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/delay_estimator.hpp"
#include "core/rng.hpp"

namespace potok {
namespace {

TEST(DelayEstimator, StartsUnprimed) {
  const DelayEstimator e;
  EXPECT_FALSE(e.primed());
}

TEST(DelayEstimator, FirstSamplePrimesTheMeanWithAPositiveMargin) {
  for (const Duration first : {ms(1), ms(40), ms(250), ms(3000)}) {
    DelayEstimator e;
    e.add(first);
    EXPECT_TRUE(e.primed());
    EXPECT_EQ(e.mean(), first);
    EXPECT_GT(e.deviation(), Duration{0});
    EXPECT_EQ(e.deviation(), first / 32);
    EXPECT_GT(e.upper(), e.mean());
  }
}

TEST(DelayEstimator, EachLaterSampleMovesTheMeanOneEighthOfTheWay) {
  DelayEstimator e;
  e.add(ms(80));
  e.add(ms(160));
  EXPECT_EQ(e.mean(), ms(90));
  e.add(ms(10));
  EXPECT_EQ(e.mean(), ms(80));  // 90 + (10 - 90) / 8
}

struct ConvergeCase {
  Duration first;
  Duration steady;
};

class DelayEstimatorConverges : public ::testing::TestWithParam<ConvergeCase> {};

TEST_P(DelayEstimatorConverges, ConstantInputDrivesMeanToItAndDeviationToZero) {
  const ConvergeCase& c = GetParam();
  DelayEstimator e;
  e.add(c.first);
  for (int i = 0; i < 200; ++i) e.add(c.steady);
  const auto tolerance = us_of(c.steady) / 100 + 1;
  EXPECT_NEAR(us_of(e.mean()), us_of(c.steady), tolerance);
  EXPECT_LE(us_of(e.deviation()), tolerance);
  EXPECT_NEAR(us_of(e.upper()), us_of(c.steady), 4 * tolerance);
}

INSTANTIATE_TEST_SUITE_P(DelayEstimator, DelayEstimatorConverges,
                         ::testing::Values(ConvergeCase{ms(100), ms(40)}, ConvergeCase{ms(40), ms(100)},
                                           ConvergeCase{ms(5000), ms(200)}, ConvergeCase{ms(1), ms(800)},
                                           ConvergeCase{ms(300), ms(300)}));

TEST(DelayEstimator, DeviationGrowsWithJitterWhileTheMeanStaysCentred) {
  const Duration centre = ms(200);
  std::vector<std::int64_t> deviations;
  for (const std::int64_t jitter_ms : {0, 5, 20, 50, 100}) {
    DelayEstimator e;
    Rng rng(11);
    e.add(centre);
    // The deviation is itself a fast average, so judge it by its average over many samples.
    std::int64_t dev_sum = 0;
    const int warmup = 200, samples = 4000;
    for (int i = 0; i < warmup + samples; ++i) {
      const double j = rng.uniform(-1.0, 1.0) * static_cast<double>(jitter_ms) * 1000.0;
      e.add(centre + us(static_cast<std::int64_t>(j)));
      if (i >= warmup) dev_sum += us_of(e.deviation());
    }
    EXPECT_NEAR(us_of(e.mean()), us_of(centre), 5000 + jitter_ms * 300) << "jitter " << jitter_ms;
    deviations.push_back(dev_sum / samples);
  }
  EXPECT_LE(deviations[0], 1000) << "no jitter, (almost) no deviation";
  for (std::size_t i = 1; i < deviations.size(); ++i)
    EXPECT_GT(deviations[i], deviations[i - 1]) << "more jitter must mean more deviation (step " << i << ")";
  // Uniform jitter in [-J, J] has mean absolute deviation J/2.
  EXPECT_NEAR(static_cast<double>(deviations.back()), 50'000.0, 15'000.0);
}

TEST(DelayEstimator, UpperIsMeanPlusThreeDeviations) {
  DelayEstimator e;
  e.add(ms(100));
  e.add(ms(200));
  e.add(ms(50));
  EXPECT_NEAR(us_of(e.upper()), us_of(e.mean()) + 3 * us_of(e.deviation()), 4);
}

TEST(DelayEstimator, ResetForgetsHistorySoTheNextSamplePrimesAfresh) {
  DelayEstimator e;
  for (int i = 0; i < 50; ++i) e.add(ms(1000));
  e.reset();
  EXPECT_FALSE(e.primed());
  e.add(ms(30));
  EXPECT_TRUE(e.primed());
  EXPECT_EQ(e.mean(), ms(30)) << "not blended with the 1000 ms history";
  EXPECT_LT(e.deviation(), ms(30));
}

}  // namespace
}  // namespace potok
