// Run summary outputs: histogram percentiles and the JSON report (plots: plot_test.cpp,
// progress bar: progress_test.cpp).
#include "sim/report.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sim/summary.hpp"
#include "tests/support/json.hpp"
#include "tests/support/report_fixtures.hpp"

namespace potok::sim {
namespace {

namespace fs = std::filesystem;
using namespace test_fixtures;
using namespace test_json;

// ---------------------------------------------------------------------------------------------
// Percentiles (nearest rank: the value of rank ceil(p * N), rank clamped to [1, N]).

struct PercentileCase {
  std::vector<std::int64_t> values;
  double p;
  double expected;
};

const std::vector<PercentileCase>& percentile_table() {
  static const std::vector<PercentileCase> table = [] {
    std::vector<std::int64_t> one_to_hundred;
    for (int i = 1; i <= 100; ++i) one_to_hundred.push_back(i);
    std::vector<std::int64_t> one_to_ten;
    for (int i = 10; i >= 1; --i) one_to_ten.push_back(i);  // unsorted on purpose
    return std::vector<PercentileCase>{
        {{}, 0.0, 0},
        {{}, 0.5, 0},
        {{}, 1.0, 0},
        {{42}, 0.0, 42},
        {{42}, 0.5, 42},
        {{42}, 0.99, 42},
        {{42}, 1.0, 42},
        {one_to_hundred, 0.0, 1},
        {one_to_hundred, 0.001, 1},
        {one_to_hundred, 0.01, 1},
        {one_to_hundred, 0.07, 7},  // 0.07 * 100 = 7.000000000000001 in doubles: still rank 7
        {one_to_hundred, 0.5, 50},
        {one_to_hundred, 0.505, 51},
        {one_to_hundred, 0.95, 95},
        {one_to_hundred, 0.99, 99},
        {one_to_hundred, 0.991, 100},
        {one_to_hundred, 1.0, 100},
        {one_to_ten, 0.5, 5},
        {one_to_ten, 0.51, 6},
        {one_to_ten, 0.95, 10},
        {one_to_ten, 0.9, 9},
        {{10, 10, 10, 20}, 0.5, 10},
        {{10, 10, 10, 20}, 0.75, 10},
        {{10, 10, 10, 20}, 0.76, 20},
        {{0, 1000}, 0.5, 0},
        {{0, 1000}, 0.51, 1000},
        {{5, 7}, -1.0, 5},  // p below 0 -> minimum
        {{5, 7}, 2.0, 7},   // p above 1 -> maximum
        {{5, 7}, std::numeric_limits<double>::quiet_NaN(), 5},
    };
  }();
  return table;
}

TEST(HistogramTest, PercentileTable) {
  for (const PercentileCase& c : percentile_table()) {
    MsHistogram h;
    for (const std::int64_t v : c.values) h.add(v);
    EXPECT_EQ(h.count(), c.values.size());
    EXPECT_EQ(h.percentile(c.p), c.expected)
        << "p=" << c.p << " over " << c.values.size() << " values";
  }
}

TEST(ReportPercentileTest, VectorTableMatchesHistogramRule) {
  for (const PercentileCase& c : percentile_table()) {
    std::vector<double> values(c.values.begin(), c.values.end());
    EXPECT_EQ(percentile_nearest_rank(values, c.p), c.expected)
        << "p=" << c.p << " over " << c.values.size() << " values";
  }
}

TEST(ReportPercentileTest, NearestRank) {
  EXPECT_EQ(nearest_rank(0.5, 0), 0u);
  EXPECT_EQ(nearest_rank(0.0, 10), 1u);
  EXPECT_EQ(nearest_rank(0.1, 10), 1u);
  EXPECT_EQ(nearest_rank(0.11, 10), 2u);
  EXPECT_EQ(nearest_rank(1.0, 10), 10u);
  EXPECT_EQ(nearest_rank(0.999, 1'000'000'000), 999'000'000u);
}

TEST(ReportPercentileTest, VectorKeepsFractionsAndIgnoresNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(percentile_nearest_rank({2.5, nan, 0.5, 1.5}, 0.5), 1.5);
  EXPECT_EQ(percentile_nearest_rank({nan}, 0.5), 0.0);
  EXPECT_EQ(percentile_nearest_rank({}, 0.95), 0.0);
}

TEST(HistogramTest, ClampsOutOfRangeValues) {
  MsHistogram h;
  h.add(-5);
  h.add(std::numeric_limits<std::int64_t>::min());
  h.add(MsHistogram::kMaxMs + 1);
  h.add(std::numeric_limits<std::int64_t>::max());
  h.add(MsHistogram::kMaxMs);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.buckets().size(), static_cast<std::size_t>(MsHistogram::kMaxMs + 1));
  EXPECT_EQ(h.buckets().front(), 2u);
  EXPECT_EQ(h.buckets().back(), 3u);
  EXPECT_EQ(h.percentile(0.0), 0.0);
  EXPECT_EQ(h.percentile(0.4), 0.0);
  EXPECT_EQ(h.percentile(0.41), static_cast<double>(MsHistogram::kMaxMs));
  EXPECT_EQ(h.percentile(1.0), static_cast<double>(MsHistogram::kMaxMs));
}

TEST(HistogramTest, AgreesWithSortedSamples) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(6.0, 0.8);
  MsHistogram h;
  std::vector<double> samples;
  for (int i = 0; i < 5000; ++i) {
    const auto ms = static_cast<std::int64_t>(dist(rng));
    h.add(ms);
    samples.push_back(static_cast<double>(std::min<std::int64_t>(ms, MsHistogram::kMaxMs)));
  }
  for (const double p : {0.0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    EXPECT_EQ(h.percentile(p), percentile_nearest_rank(samples, p)) << "p=" << p;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON report

TEST(ReportJsonTest, HasEveryKeyWithItsValue) {
  const std::string text = report_json(sample_summary());
  const Json j = parse_or_fail(text);
  ASSERT_EQ(j.type, Json::Type::Object);

  EXPECT_EQ(j["peers"].number, 100);
  EXPECT_EQ(j["duration_s"].number, 60);
  EXPECT_EQ(j["bitrate_kbps"].number, 800);
  EXPECT_NE(text.find("\"seed\": 18446744073709551615,"), std::string::npos);
  EXPECT_EQ(j["wall_s"].number, 1.5);
  EXPECT_EQ(j["churn"].type, Json::Type::Bool);
  EXPECT_TRUE(j["churn"].boolean);

  EXPECT_EQ(j["startup_ms"]["count"].number, 4);
  EXPECT_EQ(j["startup_ms"]["p50"].number, 200);
  EXPECT_EQ(j["startup_ms"]["p95"].number, 400);

  EXPECT_EQ(j["latency_ms"]["count"].number, 100);
  EXPECT_EQ(j["latency_ms"]["p50"].number, 50);
  EXPECT_EQ(j["latency_ms"]["p95"].number, 95);
  EXPECT_EQ(j["latency_ms"]["p99"].number, 99);

  EXPECT_DOUBLE_EQ(j["continuity"].number, 0.99);
  EXPECT_EQ(j["late_plays"].number, 0);
  EXPECT_NE(text.find("\"late_plays\": 0"), std::string::npos);
  EXPECT_DOUBLE_EQ(j["source_upload_x"].number, 2.5);
  EXPECT_DOUBLE_EQ(j["control_overhead"].number, 0.05);
  EXPECT_DOUBLE_EQ(j["duplicate_ratio"].number, 0.1);
  EXPECT_EQ(j["max_depth"].number, 3);

  const Json& events = j["events"];
  EXPECT_EQ(events["joins"].number, 11);
  EXPECT_EQ(events["departures"].number, 12);
  EXPECT_EQ(events["connect_failures"].number, 13);
  EXPECT_EQ(events["parent_switches"].number, 14);
  EXPECT_EQ(events["repairs_requested"].number, 15);
  EXPECT_EQ(events["resyncs"].number, 16);

  ASSERT_EQ(j["depth_histogram"].type, Json::Type::Array);
  ASSERT_EQ(j["depth_histogram"].array.size(), 4u);
  EXPECT_EQ(j["depth_histogram"].array[2].number, 50);

  EXPECT_EQ(j["peer_upload_x"]["p50"].number, 1);
  EXPECT_EQ(j["peer_upload_x"]["p95"].number, 2);
  EXPECT_EQ(j["peer_upload_x"]["max"].number, 2);
  EXPECT_EQ(j["peer_upload_x"]["mean"].number, 1);

  ASSERT_EQ(j["continuity_series"].array.size(), 2u);
  EXPECT_EQ(j["continuity_series"].array[1]["t_s"].number, 20);
  EXPECT_EQ(j["continuity_series"].array[1]["on_time"].number, 495);
}

TEST(ReportJsonTest, PrettyPrintedWithTwoSpaces) {
  const std::string text = report_json(sample_summary());
  EXPECT_EQ(text.rfind("{\n  \"peers\": 100,\n", 0), 0u) << text;
  EXPECT_NE(text.find("\n  \"events\": {\n    \"joins\": 11,"), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - 2), "}\n");
  EXPECT_EQ(text.find('\t'), std::string::npos);
}

TEST(ReportJsonTest, ZeroDenominatorsGiveZero) {
  const RunSummary empty;
  const std::string text = report_json(empty);
  const Json j = parse_or_fail(text);
  for (const char* key : {"continuity", "source_upload_x", "control_overhead", "duplicate_ratio"}) {
    EXPECT_EQ(j[key].type, Json::Type::Number) << key;
    EXPECT_EQ(j[key].number, 0) << key;
  }
  EXPECT_EQ(j["latency_ms"]["p99"].number, 0);
  EXPECT_EQ(j["startup_ms"]["p50"].number, 0);
  EXPECT_EQ(j["peer_upload_x"]["mean"].number, 0);
  EXPECT_EQ(j["depth_histogram"].array.size(), 0u);
  EXPECT_FALSE(j["churn"].boolean);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_EQ(text.find("inf"), std::string::npos);
}

TEST(ReportJsonTest, NonFiniteNumbersAreNull) {
  RunSummary s;
  s.wall_s = std::numeric_limits<double>::quiet_NaN();
  s.duration_s = std::numeric_limits<double>::infinity();
  s.peer_upload_x = {1.0, -std::numeric_limits<double>::infinity()};
  const std::string text = report_json(s);
  const Json j = parse_or_fail(text);
  EXPECT_EQ(j["wall_s"].type, Json::Type::Null);
  EXPECT_TRUE(j.has("wall_s"));
  EXPECT_EQ(j["duration_s"].type, Json::Type::Null);
  EXPECT_EQ(j["peer_upload_x"]["mean"].type, Json::Type::Null);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_EQ(text.find("inf"), std::string::npos);
}

TEST(ReportWriteTest, WritesTheJson) {
  TempDir dir;
  const fs::path path = dir.path() / "report.json";
  std::string error;
  ASSERT_TRUE(write_report(path.string(), sample_summary(), &error)) << error;
  EXPECT_EQ(read_all(path), report_json(sample_summary()));
}

TEST(ReportWriteTest, UnwritablePathFailsWithMessage) {
  const std::string path = "/nonexistent-potok-dir/sub/report.json";
  std::string error;
  EXPECT_FALSE(write_report(path, sample_summary(), &error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find(std::strerror(ENOENT)), std::string::npos) << error;
  EXPECT_FALSE(write_report(path, sample_summary(), nullptr));  // no message wanted: still fine
}

TEST(ReportWriteTest, DirectoryAsPathFails) {
  TempDir dir;
  std::string error;
  EXPECT_FALSE(write_report(dir.path().string(), sample_summary(), &error));
  EXPECT_NE(error.find(dir.path().string()), std::string::npos) << error;
}

}  // namespace
}  // namespace potok::sim
