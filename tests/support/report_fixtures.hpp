// What the run-summary output tests share: a summary with every field set, files to read
// back, and a scratch directory.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/summary.hpp"

namespace potok::sim::test_fixtures {

inline RunSummary sample_summary() {
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

inline std::string read_all(const std::filesystem::path& path) {
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
    path_ = std::filesystem::temp_directory_path() /
            ("potok_report_test_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace potok::sim::test_fixtures
