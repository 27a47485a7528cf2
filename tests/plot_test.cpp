// The SVG plots `potok sim --plots DIR` writes.
#include "sim/plots.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "sim/summary.hpp"
#include "sim/svg.hpp"
#include "tests/support/report_fixtures.hpp"

namespace potok::sim {
namespace {

namespace fs = std::filesystem;
using namespace test_fixtures;

// Checks that start and end tags balance (names only; enough to catch broken output).
bool tags_balance(const std::string& svg, std::string* why) {
  std::vector<std::string> open;
  for (std::size_t pos = svg.find('<'); pos != std::string::npos; pos = svg.find('<', pos + 1)) {
    const std::size_t end = svg.find('>', pos);
    if (end == std::string::npos) return *why = "unterminated tag", false;
    const std::string tag = svg.substr(pos + 1, end - pos - 1);
    if (tag.empty()) return *why = "empty tag", false;
    if (tag.back() == '/') continue;
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return *why = "mismatched " + tag, false;
      open.pop_back();
    } else {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
  }
  if (!open.empty()) return *why = "unclosed " + open.back(), false;
  return true;
}

void expect_plots(const fs::path& dir) {
  const std::pair<const char*, const char*> expected[] = {
      {kLatencyCdfFile, "Playback latency CDF"},
      {kUploadDistributionFile, "Per-peer upload"},
      {kDepthHistogramFile, "Tree depth distribution"},
      {kContinuityFile, "Playback continuity over time"},
  };
  for (const auto& [name, title] : expected) {
    const std::string svg = read_all(dir / name);
    SCOPED_TRACE(name);
    ASSERT_FALSE(svg.empty());
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
    EXPECT_NE(svg.find(title), std::string::npos);
    EXPECT_NE(svg.find("width=\"800\" height=\"500\""), std::string::npos);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
    std::string why;
    EXPECT_TRUE(tags_balance(svg, &why)) << why;
  }
}

TEST(PlotTest, WritesFourSvgFilesIntoNewDirectory) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "nested" / "plots";
  std::string error;
  ASSERT_TRUE(write_plots(dir.string(), sample_summary(), &error)) << error;
  expect_plots(dir);
  const std::string svg = read_all(dir / kLatencyCdfFile);
  for (const char* mark : {"p50 = 50 ms", "p95 = 95 ms", "p99 = 99 ms", "latency (ms)"}) {
    EXPECT_NE(svg.find(mark), std::string::npos) << mark;
  }
  EXPECT_NE(read_all(dir / kUploadDistributionFile).find("multiple of stream bitrate"),
            std::string::npos);
}

TEST(PlotTest, EmptySummaryStillDrawsValidPlots) {
  TempDir tmp;
  std::string error;
  ASSERT_TRUE(write_plots(tmp.path().string(), RunSummary{}, &error)) << error;
  expect_plots(tmp.path());
}

TEST(PlotTest, WideLatencySpreadStaysSmall) {
  RunSummary s = sample_summary();
  for (std::int64_t ms = 0; ms <= MsHistogram::kMaxMs + 10; ++ms) s.latency_ms.add(ms);
  const std::string svg = latency_cdf_svg(s);
  EXPECT_LT(svg.size(), 100'000u);  // one step per ms would be ~1.5 MB
}

TEST(PlotTest, ContinuityAxisStartsAtLowestWindow) {
  RunSummary s;
  s.continuity_series = {{10, 100, 100}, {20, 100, 50}, {30, 0, 0}};
  const std::string svg = continuity_svg(s);
  EXPECT_NE(svg.find(">0.5<"), std::string::npos) << svg;  // tick at the lowest window
  EXPECT_NE(svg.find(">1.0<"), std::string::npos) << svg;
}

TEST(PlotTest, FileInPlaceOfDirectoryFails) {
  TempDir tmp;
  const fs::path file = tmp.path() / "not_a_dir";
  std::ofstream(file) << "x";
  std::string error;
  EXPECT_FALSE(write_plots(file.string(), sample_summary(), &error));
  EXPECT_NE(error.find(file.string()), std::string::npos) << error;
}

TEST(PlotSvgTest, EscapesText) {
  EXPECT_EQ(svg::escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
}

TEST(PlotSvgTest, NiceTicks) {
  EXPECT_EQ(svg::nice_ticks(0, 1, 5),
            (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_EQ(svg::nice_ticks(-0.5, 3.5, 8, true), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(svg::nice_upper(510), 600);
  EXPECT_EQ(svg::nice_upper(0), 1);
  EXPECT_EQ(svg::format_tick(-0.0, 0.1), "0.0");
  EXPECT_EQ(svg::format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(svg::format_tick(2000, 500), "2000");
}

}  // namespace
}  // namespace potok::sim
