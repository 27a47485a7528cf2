#include "node/media/ffmpeg_command.hpp"

#include <cstdio>
#include <filesystem>

#include "core/stream.hpp"

namespace potok::media {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Flags every stage shares: no banner, no progress lines, and never read commands from stdin
// (the stdin input is read by the demux stage as pipe:0, which -nostdin does not affect).
void add_common(std::vector<std::string>& args, const IngestOptions& options,
                const char* loglevel) {
  args.insert(args.end(), {options.ffmpeg_path, "-hide_banner", "-nostats", "-nostdin",
                           "-loglevel", loglevel});
}

// x264 for live: a keyframe every second whatever the source does, no scene-cut keyframes (a
// group is exactly 1 s, 20 chunks of about 50 ms), no B-frames or lookahead (zerolatency), and
// a VBV of one second so a chunk's size stays near bitrate × 50 ms.
void add_video_encode(std::vector<std::string>& args, const IngestOptions& options) {
  const std::string kbps = std::to_string(options.video_kbps) + "k";
  const std::string gop = std::to_string(options.fps);
  args.insert(args.end(), {"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
                           "-pix_fmt", "yuv420p", "-b:v", kbps, "-maxrate", kbps, "-bufsize",
                           kbps, "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
                           "-force_key_frames", "expr:gte(t,n_forced*1)"});
}

void add_audio_encode(std::vector<std::string>& args, const IngestOptions& options) {
  args.insert(args.end(), {"-c:a", "aac", "-b:a", std::to_string(options.audio_kbps) + "k",
                           "-ar", "48000", "-ac", "2"});
}

// CMAF-style fragmented MP4: the moov comes first and empty (no samples), each fragment starts
// at a keyframe or after one chunk duration of the stream (50 ms), and every packet is flushed
// to the pipe at once.
void add_fmp4_output(std::vector<std::string>& args) {
  const std::string fragment_us = std::to_string(StreamParams{}.chunk_duration.count());
  args.insert(args.end(), {"-f", "mp4", "-movflags", "frag_keyframe+empty_moov+default_base_moof",
                           "-frag_duration", fragment_us, "-flush_packets", "1", "pipe:1"});
}

}  // namespace

InputKind classify_input(std::string_view input) {
  if (input.empty() || input == "testpattern") return InputKind::kTestPattern;
  if (input == "-") return InputKind::kStdin;
  if (starts_with(input, "rtmp://")) return InputKind::kRtmpListen;
  if (starts_with(input, "srt://")) return InputKind::kSrtListen;
  return InputKind::kFile;
}

const char* to_string(InputKind kind) {
  switch (kind) {
    case InputKind::kTestPattern: return "test pattern";
    case InputKind::kFile: return "file";
    case InputKind::kStdin: return "stdin";
    case InputKind::kRtmpListen: return "RTMP listener";
    case InputKind::kSrtListen: return "SRT listener";
  }
  return "input";
}

bool is_listener(InputKind kind) {
  return kind == InputKind::kRtmpListen || kind == InputKind::kSrtListen;
}

bool StreamReportScanner::feed_line(std::string_view line) {
  if (complete_) return false;
  if (starts_with(line, "Input #")) {
    in_input_ = true;
    return false;
  }
  if (starts_with(line, "Output #") || starts_with(line, "Stream mapping:")) {
    complete_ = in_input_;
    return complete_;
  }
  const std::string_view stream = trim(line);
  if (!in_input_ || !starts_with(stream, "Stream #")) return false;
  if (contains(stream, ": Video: ") && !streams_.has_video) {
    streams_.has_video = true;
    streams_.video_line = std::string(stream);
    // High 10 / 4:2:2 / 4:4:4 profiles and other pixel formats are H.264 that browsers refuse.
    streams_.video_copyable = contains(stream, "Video: h264") &&
                              (contains(stream, "yuv420p,") || contains(stream, "yuv420p(") ||
                               contains(stream, "yuvj420p")) &&
                              !contains(stream, "High 10") && !contains(stream, "High 4:");
  } else if (contains(stream, ": Audio: ") && !streams_.has_audio) {
    streams_.has_audio = true;
    streams_.audio_line = std::string(stream);
    streams_.audio_copyable = contains(stream, "Audio: aac (LC)");
  }
  return false;
}

std::string find_clock_font() {
  for (const char* path : {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                           "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"}) {
    std::error_code error;
    if (std::filesystem::exists(path, error)) return path;
  }
  return {};
}

std::vector<std::string> test_pattern_command(const IngestOptions& options,
                                              std::int64_t wall_clock_us) {
  std::vector<std::string> args;
  add_common(args, options, "warning");
  std::string video = "testsrc2=size=" + std::to_string(options.width) + "x" +
                      std::to_string(options.height) + ":rate=" + std::to_string(options.fps);
  if (const std::string font = find_clock_font(); !font.empty()) {
    // drawtext's %{pts:hms:OFFSET} prints pts + OFFSET as H:MM:SS.mmm. With -re, pts follows the
    // wall clock from the start of this run, so OFFSET = the UTC time of day at spawn gives a
    // running UTC clock with milliseconds (localtime has no sub-second format).
    constexpr std::int64_t kDayUs = 86'400'000'000;
    const std::int64_t day_us = ((wall_clock_us % kDayUs) + kDayUs) % kDayUs;
    char offset[32];
    std::snprintf(offset, sizeof offset, "%.3f", static_cast<double>(day_us) / 1e6);
    const int size = options.height / 9 > 12 ? options.height / 9 : 12;
    video += ",drawtext=fontfile=" + font + ":fontsize=" + std::to_string(size) +
             ":fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x=(w-tw)/2:y=h-th-" +
             std::to_string(size) + ":text='UTC %{pts\\:hms\\:" + offset + "}'";
  }
  const std::string tone = "sine=frequency=440:sample_rate=48000";
  args.insert(args.end(), {"-re", "-f", "lavfi", "-i", video, "-re", "-f", "lavfi", "-i", tone,
                           "-map", "0:v", "-map", "1:a"});
  add_video_encode(args, options);
  add_audio_encode(args, options);
  add_fmp4_output(args);
  return args;
}

std::vector<std::string> demux_command(const IngestOptions& options) {
  std::vector<std::string> args;
  // "info" because the stream report that decides copy-or-encode is an info-level message.
  add_common(args, options, "info");
  const InputKind kind = classify_input(options.input);
  switch (kind) {
    case InputKind::kFile:
      if (options.loop) args.insert(args.end(), {"-stream_loop", "-1"});
      args.insert(args.end(), {"-re", "-i", options.input});
      break;
    case InputKind::kStdin:
      // The producer paces a live pipe; -re would only add delay.
      args.insert(args.end(), {"-i", "pipe:0"});
      break;
    case InputKind::kRtmpListen:
      // A second of analysis is enough for FLV's stream headers and is paid once per publish.
      args.insert(args.end(), {"-analyzeduration", "1000000", "-listen", "1", "-i",
                               options.input});
      break;
    case InputKind::kSrtListen:
      args.insert(args.end(), {"-analyzeduration", "1000000", "-i", options.input});
      break;
    case InputKind::kTestPattern:
      break;  // one stage, see test_pattern_command
  }
  args.insert(args.end(), {"-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy", "-f", "mpegts",
                           "-flush_packets", "1", "pipe:1"});
  return args;
}

std::vector<std::string> fragment_command(const IngestOptions& options,
                                          const SourceStreams& streams) {
  std::vector<std::string> args;
  add_common(args, options, "warning");
  // No -fflags nobuffer here: with it, copied H.264 reaches the mp4 muxer before its SPS/PPS
  // are known and the moov gets no avcC (the video track is lost).
  args.insert(args.end(), {"-analyzeduration", "1000000", "-f", "mpegts", "-i", "pipe:0"});
  if (streams.has_video) {
    args.insert(args.end(), {"-map", "0:v:0"});
    if (streams.video_copyable) {
      args.insert(args.end(), {"-c:v", "copy"});
    } else {
      add_video_encode(args, options);
    }
  }
  if (streams.has_audio) {
    // Audio is always encoded, even AAC-LC: a copied AAC track (ADTS in TS) only gets its
    // AudioSpecificConfig from aac_adtstoasc after the first packet, but empty_moov writes the
    // moov before that, so the init segment describes no decodable audio and Chromium rejects
    // the whole append. Encoding 128 kbit/s of audio costs little; video, where the bitrate
    // is, is still copied.
    args.insert(args.end(), {"-map", "0:a:0"});
    add_audio_encode(args, options);
  }
  add_fmp4_output(args);
  return args;
}

bool is_meaningful_ffmpeg_line(std::string_view line) {
  if (trim(line).empty()) return false;
  if (line.front() == ' ' || line.front() == '\t') return false;  // report detail
  for (std::string_view noise : {"frame=", "size=", "video:", "Input #", "Output #",
                                 "Stream mapping:", "Press [q]"}) {
    if (starts_with(line, noise)) return false;
  }
  return true;
}

}  // namespace potok::media
