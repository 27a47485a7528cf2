// Vivaldi coordinates, as a specification: predicted RTT is planar distance plus both heights;
// repeated samples against fixed landmarks pull a node to where the predictions match; absurd
// samples never move it.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/vivaldi.hpp"

namespace potok {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr float kNaNF = std::numeric_limits<float>::quiet_NaN();

// ---- predicted_rtt_ms ----------------------------------------------------------------------

struct PairCase {
  NetCoord a, b;
  double rtt_ms;
};

class VivaldiPrediction : public ::testing::TestWithParam<PairCase> {};

TEST_P(VivaldiPrediction, IsPlanarDistancePlusBothHeightsAndSymmetric) {
  const PairCase& c = GetParam();
  EXPECT_NEAR(predicted_rtt_ms(c.a, c.b), c.rtt_ms, 1e-4);
  EXPECT_DOUBLE_EQ(predicted_rtt_ms(c.a, c.b), predicted_rtt_ms(c.b, c.a));
}

INSTANTIATE_TEST_SUITE_P(Vivaldi, VivaldiPrediction,
                         ::testing::Values(PairCase{{0, 0, 0}, {0, 0, 0}, 0},
                                           PairCase{{0, 0, 0}, {3, 4, 0}, 5},
                                           PairCase{{0, 0, 1}, {3, 4, 2}, 8},
                                           PairCase{{-3, -4, 0}, {3, 4, 0}, 10},
                                           PairCase{{10, 10, 2.5f}, {10, 10, 2.5f}, 5},  // same place: heights only
                                           PairCase{{-100, 20, 0.5f}, {-100, -20, 0}, 40.5},
                                           PairCase{{1.5f, -2, 7}, {-4.5f, 6, 3}, 20}));

// ---- Convergence ---------------------------------------------------------------------------

struct Point {
  double x, y;
};

double distance(Point p, const NetCoord& c) { return std::hypot(p.x - c.x, p.y - c.y); }

class VivaldiConvergence : public ::testing::TestWithParam<Point> {};

TEST_P(VivaldiConvergence, RepeatedSamplesFromFixedLandmarksDrivePredictionsToTheTrueRtt) {
  const Point truth = GetParam();
  const std::vector<NetCoord> landmarks = {{120, 0, 0}, {0, 120, 0}, {-120, 0, 0}, {0, -120, 0}};
  Vivaldi v;
  const double error_before = v.error();
  for (int round = 0; round < 300; ++round)
    for (const NetCoord& l : landmarks) v.observe(distance(truth, l), l);

  for (const NetCoord& l : landmarks) {
    const double rtt = distance(truth, l);
    EXPECT_NEAR(predicted_rtt_ms(v.coord(), l), rtt, 0.02 * rtt + 1.0) << "landmark " << l.x << "," << l.y;
  }
  EXPECT_NEAR(v.coord().x, truth.x, 2.0);
  EXPECT_NEAR(v.coord().y, truth.y, 2.0);
  EXPECT_LT(v.coord().height, 1.0) << "landmarks and truth have no access-link height";
  EXPECT_LT(v.error(), 0.05);
  EXPECT_LT(v.error(), error_before);
}

INSTANTIATE_TEST_SUITE_P(Vivaldi, VivaldiConvergence,
                         ::testing::Values(Point{30, 20}, Point{-50, 40}, Point{0, -70}, Point{5, 5},
                                           Point{150, -150}));

TEST(Vivaldi, LearnsItsOwnHeightWhenEverySampleCarriesIt) {
  const Point truth{25, -35};
  const double my_height = 15;
  const std::vector<NetCoord> landmarks = {{100, 0, 2}, {0, 100, 2}, {-100, 0, 2}, {0, -100, 2}};
  Vivaldi v;
  for (int round = 0; round < 1000; ++round)
    for (const NetCoord& l : landmarks) v.observe(distance(truth, l) + l.height + my_height, l);
  for (const NetCoord& l : landmarks) {
    const double rtt = distance(truth, l) + l.height + my_height;
    EXPECT_NEAR(predicted_rtt_ms(v.coord(), l), rtt, 0.05 * rtt) << "landmark " << l.x << "," << l.y;
  }
  EXPECT_GT(v.coord().height, 1.0);
}

TEST(Vivaldi, TwoFreshNodesAtTheOriginMoveApart) {
  Vivaldi v;
  v.observe(50, NetCoord{0, 0, 0});
  EXPECT_GT(std::hypot(v.coord().x, v.coord().y) + v.coord().height, 0.0);
  EXPECT_TRUE(std::isfinite(v.coord().x) && std::isfinite(v.coord().y) && std::isfinite(v.coord().height));
}

// ---- Absurd samples ------------------------------------------------------------------------

struct AbsurdCase {
  std::string what;
  double rtt_ms;
  NetCoord remote;
};

class VivaldiAbsurd : public ::testing::TestWithParam<AbsurdCase> {};

TEST_P(VivaldiAbsurd, AbsurdSampleLeavesCoordinateAndErrorUnchanged) {
  Vivaldi v;
  const std::vector<NetCoord> landmarks = {{60, 0, 0}, {0, 60, 0}, {-60, 0, 0}};
  for (int round = 0; round < 20; ++round)
    for (const NetCoord& l : landmarks) v.observe(std::hypot(10 - l.x, 10 - l.y), l);
  const NetCoord before = v.coord();
  const double error_before = v.error();
  ASSERT_NE(before, NetCoord{});

  const AbsurdCase& c = GetParam();
  v.observe(c.rtt_ms, c.remote);
  EXPECT_EQ(v.coord(), before) << c.what;
  EXPECT_EQ(v.error(), error_before) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Vivaldi, VivaldiAbsurd,
    ::testing::Values(AbsurdCase{"negative rtt", -5, {60, 0, 0}}, AbsurdCase{"zero rtt", 0, {60, 0, 0}},
                      AbsurdCase{"NaN rtt", kNaN, {60, 0, 0}}, AbsurdCase{"infinite rtt", kInf, {60, 0, 0}},
                      AbsurdCase{"negative infinite rtt", -kInf, {60, 0, 0}},
                      AbsurdCase{"rtt over 10 s", 10'001, {60, 0, 0}},
                      AbsurdCase{"rtt of a minute", 60'000, {60, 0, 0}},
                      AbsurdCase{"NaN remote x", 50, {kNaNF, 0, 0}},
                      AbsurdCase{"infinite remote y", 50, {0, kInfF, 0}},
                      AbsurdCase{"NaN remote height", 50, {0, 0, kNaNF}},
                      AbsurdCase{"infinite remote height", 50, {0, 0, kInfF}},
                      AbsurdCase{"negative remote height", 50, {60, 0, -1}},
                      AbsurdCase{"remote far off the map", 50, {2e5f, 0, 0}},
                      AbsurdCase{"remote height of hours", 50, {60, 0, 2e4f}}),
    [](const ::testing::TestParamInfo<AbsurdCase>& info) {
      std::string name;
      for (char ch : info.param.what) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(Vivaldi, TenSecondsIsStillPlausible) {
  Vivaldi v;
  v.observe(10'000, NetCoord{60, 0, 0});
  EXPECT_NE(v.coord(), NetCoord{});
}

}  // namespace
}  // namespace potok
