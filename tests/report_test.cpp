// Run summary outputs: histogram percentiles, the JSON report, the SVG plots, the progress bar.
#include "sim/report.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sim/plots.hpp"
#include "sim/progress.hpp"
#include "sim/summary.hpp"
#include "sim/svg.hpp"

namespace potok::sim {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// A tiny strict JSON parser: enough to check the report's syntax and look values up by key.

struct Json {
  enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  const Json& operator[](const std::string& key) const {
    static const Json missing;
    const auto it = object.find(key);
    return it == object.end() ? missing : it->second;
  }
  bool has(const std::string& key) const { return object.count(key) != 0; }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : s_(text) {}

  // Parses the whole text; false (with a message) on any syntax error or trailing garbage.
  bool parse(Json* out) {
    try {
      *out = value();
      skip_ws();
      if (pos_ != s_.size()) throw std::runtime_error("trailing characters");
      return true;
    } catch (const std::exception& e) {
      error = std::string(e.what()) + " at offset " + std::to_string(pos_);
      return false;
    }
  }
  std::string error;

 private:
  void skip_ws() {
    while (pos_ < s_.size() && std::strchr(" \t\n\r", s_[pos_]) != nullptr) ++pos_;
  }
  char peek() {
    skip_ws();
    if (pos_ >= s_.size()) throw std::runtime_error("unexpected end");
    return s_[pos_];
  }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("expected '") + c + "'");
    ++pos_;
  }
  bool literal(const char* word) {
    if (s_.compare(pos_, std::strlen(word), word) != 0) return false;
    pos_ += std::strlen(word);
    return true;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) throw std::runtime_error("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) throw std::runtime_error("raw control char");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) throw std::runtime_error("bad escape");
      const char e = s_[pos_++];
      if (e == 'u') {
        if (pos_ + 4 > s_.size()) throw std::runtime_error("bad \\u");
        out += static_cast<char>(std::stoi(s_.substr(pos_, 4), nullptr, 16));
        pos_ += 4;
      } else if (std::strchr("\"\\/bfnrt", e) != nullptr) {
        const char* from = "\"\\/bfnrt";
        const char* to = "\"\\/\b\f\n\r\t";
        out += to[std::strchr(from, e) - from];
      } else {
        throw std::runtime_error("bad escape");
      }
    }
  }
  Json value() {
    Json v;
    const char c = peek();
    if (c == '{') {
      v.type = Json::Type::Object;
      ++pos_;
      if (peek() == '}') return ++pos_, v;
      while (true) {
        std::string key = string();
        if (v.object.count(key) != 0) throw std::runtime_error("duplicate key " + key);
        expect(':');
        v.object[key] = value();
        if (peek() == '}') return ++pos_, v;
        expect(',');
      }
    }
    if (c == '[') {
      v.type = Json::Type::Array;
      ++pos_;
      if (peek() == ']') return ++pos_, v;
      while (true) {
        v.array.push_back(value());
        if (peek() == ']') return ++pos_, v;
        expect(',');
      }
    }
    if (c == '"') {
      v.type = Json::Type::String;
      v.string = string();
      return v;
    }
    if (literal("null")) return v;
    if (literal("true") || literal("false")) {
      v.type = Json::Type::Bool;
      v.boolean = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
      return v;
    }
    // Number: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (pos_ == from) throw std::runtime_error("expected digit");
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else {
      digits();
    }
    if (pos_ < s_.size() && s_[pos_] == '.') ++pos_, digits();
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      digits();
    }
    v.type = Json::Type::Number;
    v.number = std::stod(s_.substr(start, pos_ - start));
    return v;
  }

  const std::string& s_;
  std::size_t pos_ = 0;
};

Json parse_or_fail(const std::string& text) {
  Json root;
  JsonParser parser(text);
  EXPECT_TRUE(parser.parse(&root)) << parser.error << "\n" << text;
  return root;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh, empty directory under the system temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("potok_report_test_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

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

RunSummary sample_summary() {
  RunSummary s;
  s.peers = 100;
  s.duration_s = 60;
  s.bitrate_kbps = 800;
  s.seed = 18446744073709551615ull;  // must survive as an exact integer
  s.churn = true;
  s.wall_s = 1.5;
  for (int ms = 1; ms <= 100; ++ms) s.latency_ms.add(ms);
  s.startup_ms = {300, 100, 200, 400};
  s.chunks_due = 1000;
  s.chunks_on_time = 990;
  s.late_plays = 0;
  s.continuity_series = {{10, 500, 495}, {20, 500, 495}};
  s.stream_bytes = 1000;
  s.source_upload_bytes = 2500;
  s.control_bytes = 50;
  s.media_bytes_useful = 1000;
  s.media_bytes_duplicate = 100;
  s.peer_upload_x = {0, 1, 2, 1};
  s.max_depth = 3;
  s.depth_histogram = {1, 10, 50, 39};
  s.joins = 11;
  s.departures = 12;
  s.connect_failures = 13;
  s.parent_switches = 14;
  s.repairs_requested = 15;
  s.resyncs = 16;
  return s;
}

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

// ---------------------------------------------------------------------------------------------
// SVG plots

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

// ---------------------------------------------------------------------------------------------
// Progress bar

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressTest, AlwaysDrawsPercentage) {
  File f(std::tmpfile());
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("simulating", 200, f.get(), ProgressBar::Mode::Always);
    EXPECT_TRUE(bar.enabled());
    bar.update(50);
    const std::string first = contents(f.get());
    EXPECT_NE(first.find("simulating"), std::string::npos) << first;
    EXPECT_NE(first.find("25.0%"), std::string::npos) << first;
    EXPECT_NE(first.find("ETA"), std::string::npos) << first;
    std::fseek(f.get(), 0, SEEK_END);
    bar.update(200);
    bar.finish();
    bar.finish();  // idempotent
  }
  const std::string out = contents(f.get());
  EXPECT_NE(out.find("100.0%"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(ProgressTest, RedrawsAreRateLimited) {
  File f(std::tmpfile());
  ASSERT_NE(f, nullptr);
  ProgressBar bar("run", 1000, f.get(), ProgressBar::Mode::Always);
  for (int i = 0; i < 1000; ++i) bar.update(i);
  bar.finish();
  const std::string out = contents(f.get());
  EXPECT_LT(std::count(out.begin(), out.end(), '\r'), 100) << out;
  EXPECT_NE(out.find("99.9%"), std::string::npos);  // finish() shows the latest state
}

TEST(ProgressTest, DestructorEndsTheLine) {
  File f(std::tmpfile());
  ASSERT_NE(f, nullptr);
  { ProgressBar("run", 10, f.get(), ProgressBar::Mode::Always).update(5); }
  const std::string out = contents(f.get());
  EXPECT_NE(out.find("50.0%"), std::string::npos);
  EXPECT_EQ(out.back(), '\n');
}

TEST(ProgressTest, NeverAndAutoOnFileWriteNothing) {
  for (const ProgressBar::Mode mode : {ProgressBar::Mode::Never, ProgressBar::Mode::Auto}) {
    File f(std::tmpfile());
    ASSERT_NE(f, nullptr);
    {
      ProgressBar bar("quiet", 10, f.get(), mode);
      EXPECT_FALSE(bar.enabled());
      bar.update(1);
      bar.update(10);
      bar.finish();
    }
    EXPECT_EQ(contents(f.get()), "");
  }
}

TEST(ProgressTest, RenderShowsBarElapsedAndEta) {
  const std::string line = ProgressBar::render("sim", 25, 100, 10);
  EXPECT_NE(line.find(" 25.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("elapsed 0:10"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:30"), std::string::npos) << line;
  EXPECT_NE(line.find("[#######-"), std::string::npos) << line;
  EXPECT_NE(ProgressBar::render("sim", 1, 2, 4000).find("elapsed 1:06:40"), std::string::npos);
  // Degenerate totals and inputs never produce nan.
  for (const std::string& l :
       {ProgressBar::render("x", 5, 0, 1), ProgressBar::render("x", NAN, 10, 1),
        ProgressBar::render("x", 50, 10, 1)}) {
    EXPECT_EQ(l.find("nan"), std::string::npos) << l;
  }
  EXPECT_NE(ProgressBar::render("x", 50, 10, 1).find("100.0%"), std::string::npos);
  EXPECT_NE(ProgressBar::render("x", 0, 10, 1).find("ETA --:--"), std::string::npos);
}

}  // namespace
}  // namespace potok::sim
