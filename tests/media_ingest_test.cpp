// The Ingest (node/media/ingest.hpp) with real ffmpeg children on a real io_context: the test
// pattern, files with and without loop, a broken file, and an RTMP publisher that goes away
// and comes back. Every wait is bounded; everything listens on 127.0.0.1 only.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "node/media/child_process.hpp"
#include "node/media/ingest.hpp"
#include "node/media/media_payload.hpp"

namespace potok::media {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Received {
  MediaChunk chunk;
  std::int64_t arrival_us = 0;
};

// An Ingest plus everything it reported.
struct Harness {
  explicit Harness(IngestOptions options)
      : ingest(io, std::move(options),
               [this](MediaChunk chunk) { chunks.push_back({std::move(chunk), now_us()}); },
               [this](std::string_view line) { logs.emplace_back(line); }) {
    ingest.set_on_end([this] { ended = true; });
  }
  // POTOK_MEDIA_TEST_LOGS=1 shows what the ingest logged, to check its wording by eye.
  ~Harness() {
    if (std::getenv("POTOK_MEDIA_TEST_LOGS") != nullptr) std::fputs(all_logs().c_str(), stderr);
  }

  // Runs the loop until `done` or `limit`; true if `done`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();
      if (io.run_for(20ms) == 0) std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  bool logged(const std::string& part) const {
    for (const auto& line : logs) {
      if (line.find(part) != std::string::npos) return true;
    }
    return false;
  }

  std::string all_logs() const {
    std::string text;
    for (const auto& line : logs) text += line + "\n";
    return text;
  }

  std::int64_t media_duration_us() const {
    std::int64_t total = 0;
    for (const auto& r : chunks) total += r.chunk.duration_us;
    return total;
  }

  boost::asio::io_context io;
  std::vector<Received> chunks;
  std::vector<std::string> logs;
  bool ended = false;
  Ingest ingest;
};

class MediaIngest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("potok_ingest_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A 2 s H.264 + AAC clip, like a streamer's recording; moov first, so that a truncated copy
  // still plays up to the cut.
  fs::path make_clip() {
    const fs::path path = dir_ / "clip.mp4";
    const std::string command =
        "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "
        "testsrc2=size=160x120:rate=30 -f lavfi -i sine=sample_rate=48000 -t 2 -c:v libx264 "
        "-preset veryfast -g 30 -pix_fmt yuv420p -c:a aac -movflags +faststart " + path.string();
    EXPECT_EQ(std::system(command.c_str()), 0);
    return path;
  }

  fs::path dir_;
};

TEST_F(MediaIngest, TestPatternGivesLiveChunksOpeningWithAnInit) {
  IngestOptions options;
  options.width = 320;
  options.height = 180;
  Harness h(options);
  h.ingest.start();
  // 1.5 s of media at least (50 ms chunks, or longer when a frame is): two groups.
  ASSERT_TRUE(h.run_until([&] { return h.chunks.size() >= 30; }, 8s)) << h.all_logs();
  h.ingest.stop();

  const MediaChunk& first = h.chunks.front().chunk;
  EXPECT_TRUE(first.keyframe);
  EXPECT_FALSE(first.discontinuity);
  const auto decoded = decode_media_payload(first.payload);
  ASSERT_TRUE(std::holds_alternative<MediaPayloadView>(decoded));
  const auto& view = std::get<MediaPayloadView>(decoded);
  EXPECT_TRUE(view.has_init);
  EXPECT_EQ(view.mime_codecs.rfind("video/mp4; codecs=\"avc1.", 0), 0u) << view.mime_codecs;
  EXPECT_NE(view.mime_codecs.find("mp4a.40.2"), std::string_view::npos);

  int keyframes = 0;
  for (const auto& r : h.chunks) {
    EXPECT_NEAR(double(r.chunk.capture_us), double(r.arrival_us), 1.5e6);
    EXPECT_EQ(r.chunk.capture_us - r.chunk.media_time_us,
              first.capture_us - first.media_time_us);
    keyframes += r.chunk.keyframe;
  }
  EXPECT_GE(keyframes, 2);  // one group per second
  const IngestStats stats = h.ingest.stats();
  EXPECT_EQ(stats.chunks, h.chunks.size());
  EXPECT_GT(stats.bitrate_kbps, 0.0);
  EXPECT_FALSE(stats.video_copied);
  EXPECT_FALSE(h.ended);
}

TEST_F(MediaIngest, AFileWithoutLoopEndsAndSaysSo) {
  IngestOptions options;
  options.input = make_clip().string();
  Harness h(options);
  h.ingest.start();
  ASSERT_TRUE(h.run_until([&] { return h.ended; }, 10s)) << h.all_logs();
  EXPECT_TRUE(h.logged("input ended")) << h.all_logs();
  EXPECT_TRUE(h.logged("video copy")) << h.all_logs();
  EXPECT_GE(h.chunks.size(), 8u);
  EXPECT_NEAR(double(h.media_duration_us()), 2e6, 0.35e6);
  EXPECT_TRUE(h.ingest.stats().video_copied);
  EXPECT_FALSE(h.ingest.stats().audio_copied) << "AAC is re-encoded: a copy has no config in an empty moov";
  EXPECT_FALSE(h.ingest.running());
}

TEST_F(MediaIngest, ALoopedFilePlaysPastItsLength) {
  IngestOptions options;
  options.input = make_clip().string();
  options.loop = true;
  Harness h(options);
  h.ingest.start();
  ASSERT_TRUE(h.run_until([&] { return h.media_duration_us() > 3'000'000; }, 10s))
      << h.all_logs();
  EXPECT_FALSE(h.ended);
  for (std::size_t i = 1; i < h.chunks.size(); ++i) {
    EXPECT_GT(h.chunks[i].chunk.capture_us, h.chunks[i - 1].chunk.capture_us);
  }
}

TEST_F(MediaIngest, ABrokenFileEndsWithAClearMessage) {
  const fs::path clip = make_clip();
  const fs::path broken = dir_ / "broken.mp4";
  {
    std::ofstream out(broken, std::ios::binary);
    for (int i = 0; i < 20000; ++i) out.put(char((i * 7919) % 251));
  }
  IngestOptions options;
  options.input = broken.string();
  Harness h(options);
  h.ingest.start();
  ASSERT_TRUE(h.run_until([&] { return h.ended; }, 10s)) << h.all_logs();
  EXPECT_TRUE(h.chunks.empty());
  EXPECT_TRUE(h.logged("no media could be read")) << h.all_logs();

  // A truncated file: whatever part is readable is streamed, then it ends the same way.
  const fs::path truncated = dir_ / "truncated.mp4";
  fs::copy_file(clip, truncated);
  fs::resize_file(truncated, fs::file_size(clip) / 2);
  options.input = truncated.string();
  Harness t(options);
  t.ingest.start();
  ASSERT_TRUE(t.run_until([&] { return t.ended; }, 10s)) << t.all_logs();
  EXPECT_TRUE(t.logged("input ended")) << t.all_logs();
  EXPECT_FALSE(t.chunks.empty()) << t.all_logs();

  options.input = (dir_ / "missing.mp4").string();
  Harness m(options);
  m.ingest.start();
  ASSERT_TRUE(m.run_until([&] { return m.ended; }, 10s)) << m.all_logs();
  EXPECT_TRUE(m.logged("No such file")) << m.all_logs();
}

int free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST_F(MediaIngest, StopKillsTheChildrenAtOnce) {
  IngestOptions options;
  // A listener nobody publishes to.
  options.input = "rtmp://127.0.0.1:" + std::to_string(free_port()) + "/live/never";
  Harness h(options);
  h.ingest.start();
  h.run_until([] { return false; }, 300ms);
  const auto before = std::chrono::steady_clock::now();
  h.ingest.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  // No child of ours is left, not even as a zombie.
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

// Publishes 3 s of H.264 + AAC to `url` from a separate ffmpeg, as OBS would.
pid_t publish(const std::string& url) {
  const std::vector<std::string> args = {
      "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i",
      "testsrc2=size=160x120:rate=30", "-re", "-f", "lavfi", "-i", "sine=sample_rate=48000",
      "-t", "3", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30",
      "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000", "-f", "flv", url};
  std::string error;
  return spawn_process(args, {-1, -1, -1}, error);
}

TEST_F(MediaIngest, RtmpPublisherCanLeaveAndComeBack) {
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(free_port()) + "/live/test";
  IngestOptions options;
  options.input = url;
  Harness h(options);
  h.ingest.start();
  // Let the listener come up before the publisher dials.
  h.run_until([] { return false; }, 700ms);

  pid_t publisher = publish(url);
  ASSERT_GT(publisher, 0);
  int status = 0;
  ASSERT_TRUE(h.run_until([&] { return ::waitpid(publisher, &status, WNOHANG) == publisher; },
                          12s));
  ASSERT_TRUE(h.run_until([&] { return h.logged("listening again"); }, 5s)) << h.all_logs();
  const std::size_t first_session = h.chunks.size();
  EXPECT_GE(first_session, 8u) << h.all_logs();
  EXPECT_TRUE(h.logged("video copy")) << h.all_logs();
  EXPECT_TRUE(h.logged("audio encode")) << h.all_logs();
  EXPECT_TRUE(h.ingest.stats().video_copied);

  h.run_until([] { return false; }, 700ms);
  publisher = publish(url);
  ASSERT_GT(publisher, 0);
  ASSERT_TRUE(h.run_until([&] { return ::waitpid(publisher, &status, WNOHANG) == publisher; },
                          12s));
  ASSERT_TRUE(h.run_until([&] { return h.chunks.size() >= first_session + 8; }, 5s))
      << h.all_logs();
  h.ingest.stop();

  ASSERT_GT(h.chunks.size(), first_session);
  const MediaChunk& resumed = h.chunks[first_session].chunk;
  EXPECT_TRUE(resumed.keyframe);
  EXPECT_TRUE(resumed.discontinuity);
  // Within the first session a discontinuity is not an error: when arrival drifts more than
  // 1 s from media time (as on a machine busy with the rest of the suite), the clock re-anchors
  // and says so. The very first chunk never is one: nothing came before it.
  EXPECT_FALSE(h.chunks.front().chunk.discontinuity);
  EXPECT_GE(h.ingest.stats().restarts, 1u);
}

}  // namespace
}  // namespace potok::media
