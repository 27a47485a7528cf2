// The live ingest of `potok stream`: runs ffmpeg on the input, cuts its fragmented MP4 into
// ~50 ms chunks and hands each one over as a MediaChunk, ready to be signed and sent.
//
// Everything happens on the io_context's thread: the children's pipes are read with
// boost::asio::posix::stream_descriptor, and all callbacks are called from that thread. Do not
// destroy the Ingest from inside one of its callbacks (stop() there is fine).
//
// Lifecycle of one "run" (one ffmpeg, or the demux + fragment pair, see ffmpeg_command.hpp):
// when it ends, a listener (RTMP/SRT) listens again at once, the test pattern and a looped file
// restart after a second, and a plain file or stdin ends the ingest (on_end). The first chunk
// of every run after the first is a keyframe flagged discontinuity. docs/media.md has more.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "node/media/ffmpeg_command.hpp"
#include "node/media/media_chunk.hpp"

namespace potok::media {

struct IngestStats {
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;      // media payload bytes handed over
  std::uint64_t runs = 0;       // ffmpeg runs started
  std::uint64_t restarts = 0;   // runs started after a previous one ended
  double bitrate_kbps = 0;      // payload bitrate over the last few seconds
  // The copy-or-encode decision of the latest run that reached it (always encode for the test
  // pattern). `decided` is false until then.
  bool decided = false;
  bool video_copied = false;
  bool audio_copied = false;
  bool has_audio = false;
};

class Ingest {
 public:
  using ChunkHandler = std::function<void(MediaChunk)>;
  using LogHandler = std::function<void(std::string_view line)>;
  using EndHandler = std::function<void()>;

  Ingest(boost::asio::io_context& io, IngestOptions options, ChunkHandler on_chunk,
         LogHandler on_log);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // Called once when the input has ended for good (a file without loop, stdin at EOF, or an
  // input that cannot be read at all). Not called after stop().
  void set_on_end(EndHandler on_end) { on_end_ = std::move(on_end); }

  // Starts the first run. Also ignores SIGPIPE process-wide: a child that dies must not take the
  // node with it.
  void start();
  // Kills and reaps the children; no callback is called after it returns. start() again works.
  void stop();

  bool running() const { return started_; }
  InputKind input_kind() const { return kind_; }
  IngestStats stats() const;

 private:
  struct Run;

  void start_run();
  void spawn_fragment_stage(const std::shared_ptr<Run>& run);
  void read_media(const std::shared_ptr<Run>& run);
  void read_log(const std::shared_ptr<Run>& run, bool demux_stage);
  void handle_log_line(const std::shared_ptr<Run>& run, bool demux_stage, std::string_view line);
  void handle_media(const std::shared_ptr<Run>& run, std::size_t bytes);
  void abort_run(const std::shared_ptr<Run>& run, const std::string& reason);
  void maybe_finish_run(const std::shared_ptr<Run>& run);
  void schedule_next_run(const std::shared_ptr<Run>& run, int status);
  void end(const std::string& line);
  void log(const std::string& line);
  void count_bytes(std::size_t bytes);

  boost::asio::io_context& io_;
  IngestOptions options_;
  InputKind kind_;
  ChunkHandler on_chunk_;
  LogHandler on_log_;
  EndHandler on_end_;

  bool started_ = false;
  std::shared_ptr<Run> run_;
  boost::asio::steady_timer restart_timer_;
  // Handlers that outlive the Ingest (queued when it is destroyed) check this before `this`.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  ChunkBuilder builder_;
  IngestStats stats_;
  std::deque<std::pair<std::int64_t, std::size_t>> recent_bytes_;  // (steady µs, bytes)
};

}  // namespace potok::media
