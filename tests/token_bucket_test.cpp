// TokenBucket, as a specification: it refills at its rate, never holds more than its burst, and
// gives only what it holds.
#include <gtest/gtest.h>

#include "core/token_bucket.hpp"

namespace potok {
namespace {

Instant t(std::int64_t ms_value) { return at_us(ms_value * 1000); }

TEST(TokenBucket, StartsFullUnlessResetAndRefillsAtItsRateUpToTheBurst) {
  TokenBucket fresh;
  EXPECT_TRUE(fresh.take(t(0), 1000, 500, 500)) << "a bucket never used holds its burst";
  EXPECT_FALSE(fresh.take(t(0), 1000, 500, 1));
  EXPECT_TRUE(fresh.take(t(100), 1000, 500, 100)) << "100 ms at 1000 B/s";
  EXPECT_FALSE(fresh.take(t(100), 1000, 500, 1));
  EXPECT_FALSE(fresh.take(t(10'000), 1000, 500, 501)) << "ten seconds idle still save only the burst";
  EXPECT_TRUE(fresh.take(t(10'000), 1000, 500, 500));

  TokenBucket reset;
  reset.reset(t(0));
  EXPECT_FALSE(reset.take(t(0), 1000, 500, 1)) << "reset: nothing owed for the time before";
  EXPECT_TRUE(reset.take(t(250), 1000, 500, 250));
}

TEST(TokenBucket, AffordsChecksAnUpperBoundAndSpendPaysTheRealCost) {
  TokenBucket b;
  ASSERT_TRUE(b.affords(t(0), 1000, 1000, 800));
  b.spend(300);  // the answer turned out smaller than the bound
  EXPECT_DOUBLE_EQ(b.tokens(), 700);
  EXPECT_FALSE(b.affords(t(0), 1000, 1000, 800));
  b.spend(5000);  // never below empty
  EXPECT_DOUBLE_EQ(b.tokens(), 0);
  EXPECT_FALSE(b.affords(t(0) - ms(10), 1000, 1000, 1)) << "time going backwards earns nothing";
}

}  // namespace
}  // namespace potok
