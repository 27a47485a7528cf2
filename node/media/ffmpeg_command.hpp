// The ffmpeg command lines of the ingest, and the reading of ffmpeg's stream report that decides
// between copying and re-encoding. Pure (strings in, argument vectors out), so the exact flags
// are testable and documented in one place. docs/media.md explains the pipeline.
//
// Test pattern: one ffmpeg (lavfi → x264/AAC → fMP4), since the source is raw anyway.
// Everything else: two stages, because a listener (RTMP/SRT) or a pipe cannot be probed before
// the publisher's bytes arrive, and ffmpeg cannot pick "copy or encode" by itself:
//   demux stage:    input → -c copy → MPEG-TS on a pipe; its stderr lists the input streams
//   fragment stage: started once the streams are known; TS → copy or encode → fMP4 on a pipe
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace potok::media {

struct IngestOptions {
  std::string input;  // "" or "testpattern", a file path, "-", "rtmp://HOST:PORT/app[/key]", "srt://HOST:PORT?mode=listener"
  bool loop = false;  // files only: play again from the start at the end
  int width = 640;    // test pattern only; other inputs keep their size
  int height = 360;
  int fps = 30;       // test pattern rate; the keyframe interval is always 1 s
  int video_kbps = 2000;
  int audio_kbps = 128;
  std::string ffmpeg_path = "ffmpeg";
};

enum class InputKind { kTestPattern, kFile, kStdin, kRtmpListen, kSrtListen };

InputKind classify_input(std::string_view input);
const char* to_string(InputKind kind);
// Listeners wait for a publisher; when it leaves they listen again at once.
bool is_listener(InputKind kind);

// What the demux stage reported about the input, and the decision it leads to.
struct SourceStreams {
  bool has_video = false;
  bool has_audio = false;
  bool video_copyable = false;  // H.264 in 8-bit 4:2:0, which every MSE browser decodes
  bool audio_copyable = false;  // AAC-LC (mp4a.40.2)
  std::string video_line;       // ffmpeg's own description, for the log
  std::string audio_line;
};

// Reads the demux stage's stderr line by line. ffmpeg prints the input's streams ("Input #0"
// ... "Stream #0:0: Video: h264 (High), yuv420p ...") before the output section, so the report
// is complete at the first "Output #0" or "Stream mapping:" line.
class StreamReportScanner {
 public:
  // Returns true when this line completed the report.
  bool feed_line(std::string_view line);
  bool complete() const { return complete_; }
  const SourceStreams& streams() const { return streams_; }

 private:
  bool in_input_ = false;
  bool complete_ = false;
  SourceStreams streams_;
};

// `wall_clock_us` sets the clock burnt into the picture (UTC, with milliseconds).
std::vector<std::string> test_pattern_command(const IngestOptions& options,
                                              std::int64_t wall_clock_us);
std::vector<std::string> demux_command(const IngestOptions& options);
std::vector<std::string> fragment_command(const IngestOptions& options,
                                          const SourceStreams& streams);

// The first of DejaVu Sans / Liberation Sans that exists, or "" (then the pattern has no clock).
std::string find_clock_font();

// Whether a line of ffmpeg's stderr is worth a log line: drops progress ("frame=..."), the
// closing byte summary, and the indented stream/metadata detail of its reports.
bool is_meaningful_ffmpeg_line(std::string_view line);

}  // namespace potok::media
