// Rng, as a specification: a seeded, reproducible source of protocol randomness whose draws
// land where they claim to.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "core/rng.hpp"

namespace potok {
namespace {

std::vector<std::uint64_t> draws(std::uint64_t seed, int n) {
  Rng rng(seed);
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(rng.next());
  return out;
}

TEST(Rng, SameSeedGivesTheSameSequence) {
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xFFFF'FFFF'FFFF'FFFFULL}) {
    EXPECT_EQ(draws(seed, 1000), draws(seed, 1000)) << "seed " << seed;
    Rng a(seed), b(seed);
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(a.uniform(), b.uniform());
      EXPECT_EQ(a.below(97), b.below(97));
      EXPECT_EQ(a.exponential(3.0), b.exponential(3.0));
    }
  }
}

TEST(Rng, DifferentSeedsGiveDifferentSequences) {
  const std::vector<std::uint64_t> seeds = {0, 1, 2, 3, 42, 1ULL << 63};
  std::set<std::vector<std::uint64_t>> seen;
  for (std::uint64_t seed : seeds) seen.insert(draws(seed, 16));
  EXPECT_EQ(seen.size(), seeds.size());
  // Not merely shifted copies: adjacent seeds share no early values.
  const auto a = draws(1, 64), b = draws(2, 64);
  for (std::uint64_t x : a)
    for (std::uint64_t y : b) EXPECT_NE(x, y);
}

TEST(Rng, DrawsDoNotRepeatOverAShortRun) {
  const auto d = draws(7, 10'000);
  EXPECT_EQ(std::set<std::uint64_t>(d.begin(), d.end()).size(), d.size());
}

TEST(Rng, UniformIsInTheHalfOpenUnitInterval) {
  Rng rng(3);
  double lo = 1, hi = 0, sum = 0;
  const int n = 100'000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
  }
  EXPECT_LT(lo, 0.001);
  EXPECT_GT(hi, 0.999);
  EXPECT_NEAR(sum / n, 0.5, 0.01);
}

TEST(Rng, UniformRangeStaysWithinItsBounds) {
  Rng rng(5);
  for (int i = 0; i < 10'000; ++i) {
    const double v = rng.uniform(-3.0, 2.0);
    ASSERT_GE(v, -3.0);
    ASSERT_LT(v, 2.0);
  }
}

class RngBelow : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(RngBelow, BelowNIsLessThanNAndRoughlyUniform) {
  const std::uint64_t n = GetParam();
  Rng rng(n * 1000 + 1);
  const int per_bucket = 2000;
  const int total = static_cast<int>(n) * per_bucket;
  std::vector<int> buckets(n, 0);
  for (int i = 0; i < total; ++i) {
    const std::uint64_t v = rng.below(n);
    ASSERT_LT(v, n);
    ++buckets[v];
  }
  for (std::uint64_t b = 0; b < n; ++b) {
    EXPECT_GT(buckets[b], per_bucket * 8 / 10) << "bucket " << b << " of " << n;
    EXPECT_LT(buckets[b], per_bucket * 12 / 10) << "bucket " << b << " of " << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Rng, RngBelow, ::testing::Values(1, 2, 3, 7, 10, 64, 100));

TEST(Rng, BelowOneIsAlwaysZero) {
  Rng rng(9);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(rng.below(1), 0u);
}

class RngExponential : public ::testing::TestWithParam<double> {};

TEST_P(RngExponential, MeanOfManyDrawsIsCloseToTheRequestedMean) {
  const double mean = GetParam();
  Rng rng(17);
  const int n = 100'000;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.exponential(mean);
    ASSERT_GE(x, 0.0);
    ASSERT_TRUE(std::isfinite(x));
    sum += x;
  }
  EXPECT_NEAR(sum / n, mean, 0.03 * mean);  // standard error is mean/316
}

INSTANTIATE_TEST_SUITE_P(Rng, RngExponential, ::testing::Values(0.001, 1.0, 2.5, 200.0, 1e6));

}  // namespace
}  // namespace potok
