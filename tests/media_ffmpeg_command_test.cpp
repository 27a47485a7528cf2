// The ffmpeg command lines and the copy-or-encode decision (node/media/ffmpeg_command.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "node/media/ffmpeg_command.hpp"

namespace potok::media {
namespace {

bool has(const std::vector<std::string>& args, const std::string& arg) {
  return std::find(args.begin(), args.end(), arg) != args.end();
}

// The value after `flag`, or "".
std::string after(const std::vector<std::string>& args, const std::string& flag) {
  const auto it = std::find(args.begin(), args.end(), flag);
  return it == args.end() || it + 1 == args.end() ? "" : *(it + 1);
}

TEST(FfmpegCommand, ClassifiesInputs) {
  EXPECT_EQ(classify_input(""), InputKind::kTestPattern);
  EXPECT_EQ(classify_input("testpattern"), InputKind::kTestPattern);
  EXPECT_EQ(classify_input("-"), InputKind::kStdin);
  EXPECT_EQ(classify_input("rtmp://0.0.0.0:1935/live/key"), InputKind::kRtmpListen);
  EXPECT_EQ(classify_input("srt://0.0.0.0:9000?mode=listener"), InputKind::kSrtListen);
  EXPECT_EQ(classify_input("/videos/talk.mkv"), InputKind::kFile);
  EXPECT_TRUE(is_listener(InputKind::kRtmpListen));
  EXPECT_FALSE(is_listener(InputKind::kFile));
}

TEST(FfmpegCommand, ReadsTheStreamReportOfTheDemuxStage) {
  StreamReportScanner scanner;
  EXPECT_FALSE(scanner.feed_line("Input #0, flv, from 'rtmp://127.0.0.1:1935/live/test':"));
  EXPECT_FALSE(scanner.feed_line("  Duration: 00:00:00.00, start: 0.000000, bitrate: N/A"));
  EXPECT_FALSE(scanner.feed_line(
      "  Stream #0:0: Video: h264 (High), yuv420p(progressive), 320x180, 30 fps, 1k tbn"));
  EXPECT_FALSE(scanner.feed_line("  Stream #0:1: Audio: aac (LC), 48000 Hz, stereo, fltp"));
  EXPECT_TRUE(scanner.feed_line("Output #0, mpegts, to 'pipe:1':"));
  EXPECT_TRUE(scanner.complete());
  const SourceStreams& s = scanner.streams();
  EXPECT_TRUE(s.has_video && s.video_copyable);
  EXPECT_TRUE(s.has_audio && s.audio_copyable);
  // Output-section stream lines after completion change nothing.
  EXPECT_FALSE(scanner.feed_line("  Stream #0:0: Video: hevc, yuv420p"));
  EXPECT_TRUE(scanner.streams().video_copyable);
}

TEST(FfmpegCommand, EncodesWhatBrowsersCannotPlay) {
  StreamReportScanner scanner;
  scanner.feed_line("Input #0, matroska,webm, from 'x.mkv':");
  scanner.feed_line("  Stream #0:0: Video: hevc (Main), yuv420p(tv), 1920x1080, 25 fps");
  scanner.feed_line("  Stream #0:1(eng): Audio: opus, 48000 Hz, stereo, fltp");
  scanner.feed_line("Stream mapping:");
  ASSERT_TRUE(scanner.complete());
  EXPECT_FALSE(scanner.streams().video_copyable);
  EXPECT_FALSE(scanner.streams().audio_copyable);

  StreamReportScanner high10;
  high10.feed_line("Input #0, mov,mp4, from 'y.mp4':");
  high10.feed_line("  Stream #0:0[0x1](und): Video: h264 (High 10) (avc1 / 0x31637661), "
                   "yuv420p10le(progressive), 1280x720");
  high10.feed_line("  Stream #0:1[0x2](und): Audio: aac (HE-AAC) (mp4a / 0x6134706D), 44100 Hz");
  high10.feed_line("Output #0, mpegts, to 'pipe:1':");
  EXPECT_TRUE(high10.streams().has_video);
  EXPECT_FALSE(high10.streams().video_copyable);
  EXPECT_FALSE(high10.streams().audio_copyable);
}

TEST(FfmpegCommand, FragmentStageCopiesVideoWhenItCanAndAlwaysEncodesAudio) {
  IngestOptions options;
  SourceStreams copyable{true, true, true, true, "", ""};
  auto args = fragment_command(options, copyable);
  EXPECT_EQ(after(args, "-c:v"), "copy");
  // Copied AAC would have no AudioSpecificConfig in the empty moov (ffmpeg_command.cpp).
  EXPECT_EQ(after(args, "-c:a"), "aac");
  EXPECT_FALSE(has(args, "-bsf:a"));
  EXPECT_EQ(after(args, "-movflags"), "frag_keyframe+empty_moov+default_base_moof");
  EXPECT_EQ(after(args, "-frag_duration"), "50000");  // one chunk of the stream
  EXPECT_EQ(args.back(), "pipe:1");

  SourceStreams video_only{true, false, false, false, "", ""};
  args = fragment_command(options, video_only);
  EXPECT_EQ(after(args, "-c:v"), "libx264");
  EXPECT_EQ(after(args, "-b:v"), "2000k");
  EXPECT_EQ(after(args, "-g"), "30");
  EXPECT_EQ(after(args, "-sc_threshold"), "0");
  EXPECT_FALSE(has(args, "-c:a"));
  EXPECT_FALSE(has(args, "0:a:0"));
}

TEST(FfmpegCommand, DemuxStageByInputKind) {
  IngestOptions file;
  file.input = "/tmp/clip.mp4";
  file.loop = true;
  auto args = demux_command(file);
  EXPECT_EQ(after(args, "-stream_loop"), "-1");
  EXPECT_TRUE(has(args, "-re"));
  EXPECT_EQ(after(args, "-i"), "/tmp/clip.mp4");
  EXPECT_EQ(after(args, "-f"), "mpegts");

  IngestOptions rtmp;
  rtmp.input = "rtmp://127.0.0.1:1935/live/key";
  args = demux_command(rtmp);
  EXPECT_EQ(after(args, "-listen"), "1");
  EXPECT_FALSE(has(args, "-re"));

  IngestOptions stdin_input;
  stdin_input.input = std::string(1, '-');  // (a literal trips GCC 12's -Wrestrict, bug 105329)
  EXPECT_EQ(after(demux_command(stdin_input), "-i"), "pipe:0");
}

TEST(FfmpegCommand, TestPatternIsRealTimeWithAClockAndATone) {
  IngestOptions options;
  options.width = 320;
  options.height = 180;
  options.fps = 25;
  const auto args = test_pattern_command(options, 3'600'000'000);  // 01:00:00 UTC
  EXPECT_TRUE(has(args, "-re"));
  const std::string video = args[std::size_t(std::find(args.begin(), args.end(), "lavfi") -
                                             args.begin()) + 2];
  EXPECT_EQ(video.rfind("testsrc2=size=320x180:rate=25", 0), 0u) << video;
  if (!find_clock_font().empty()) {
    EXPECT_NE(video.find("3600.000"), std::string::npos) << video;
  }
  EXPECT_EQ(after(args, "-g"), "25");
  EXPECT_EQ(after(args, "-keyint_min"), "25");
  EXPECT_EQ(after(args, "-ar"), "48000");
}

TEST(FfmpegCommand, LogFilterDropsProgressAndReportDetail) {
  EXPECT_FALSE(is_meaningful_ffmpeg_line("frame=   60 fps= 30 q=-1.0 size=  68kB"));
  EXPECT_FALSE(is_meaningful_ffmpeg_line("    Metadata:"));
  EXPECT_FALSE(is_meaningful_ffmpeg_line(""));
  EXPECT_TRUE(is_meaningful_ffmpeg_line("bad.mp4: Invalid data found when processing input"));
}

}  // namespace
}  // namespace potok::media
