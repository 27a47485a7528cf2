#include "node/media/ingest.hpp"

#include <signal.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

#include "node/media/child_process.hpp"

namespace potok::media {
namespace {

using boost::asio::posix::stream_descriptor;

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr std::int64_t kBitrateWindowUs = 5'000'000;
constexpr auto kRestartDelay = std::chrono::seconds(1);
constexpr std::size_t kMaxLogLine = 2000;
// How long a child that closed its pipes gets to exit by itself before SIGKILL.
constexpr int kExitGraceMs = 300;

// One child's stderr, split into lines. ffmpeg ends progress lines with '\r'.
struct LogPipe {
  explicit LogPipe(boost::asio::io_context& io) : descriptor(io) {}
  stream_descriptor descriptor;
  bool open = false;
  std::string line;
  std::array<char, 4096> buffer{};
};

}  // namespace

struct Ingest::Run {
  explicit Run(boost::asio::io_context& io) : media(io), fragment_log(io), demux_log(io) {}

  bool cancelled = false;  // stop() gave up on this run; its handlers must not touch the Ingest
  bool finished = false;
  pid_t demux_pid = -1;
  pid_t fragment_pid = -1;
  UniqueFd ts_read;  // demux stdout, kept until the fragment stage takes it as its stdin
  stream_descriptor media;
  bool media_open = false;
  LogPipe fragment_log;
  LogPipe demux_log;
  StreamReportScanner scanner;
  Fmp4Parser parser;
  std::array<std::uint8_t, 64 * 1024> media_buffer{};
  std::uint64_t chunks = 0;
  std::int64_t started_us = 0;
};

Ingest::Ingest(boost::asio::io_context& io, IngestOptions options, ChunkHandler on_chunk,
               LogHandler on_log)
    : io_(io),
      options_(std::move(options)),
      kind_(classify_input(options_.input)),
      on_chunk_(std::move(on_chunk)),
      on_log_(std::move(on_log)),
      restart_timer_(io) {}

Ingest::~Ingest() { stop(); }

void Ingest::start() {
  if (started_) return;
  ignore_sigpipe();
  started_ = true;
  start_run();
}

void Ingest::stop() {
  started_ = false;
  restart_timer_.cancel();
  if (!run_) return;
  const auto run = std::move(run_);
  run->cancelled = true;
  boost::system::error_code ignored;
  run->media.close(ignored);
  run->fragment_log.descriptor.close(ignored);
  run->demux_log.descriptor.close(ignored);
  reap_process(run->demux_pid, 0);
  reap_process(run->fragment_pid, 0);
  run->demux_pid = run->fragment_pid = -1;
}

IngestStats Ingest::stats() const {
  IngestStats stats = stats_;
  const std::int64_t now = steady_us();
  std::size_t bytes = 0;
  for (const auto& [at, size] : recent_bytes_) {
    if (now - at <= kBitrateWindowUs) bytes += size;
  }
  std::int64_t span = recent_bytes_.empty() ? 0 : now - recent_bytes_.front().first;
  if (span < 1'000'000) span = 1'000'000;
  if (span > kBitrateWindowUs) span = kBitrateWindowUs;
  stats.bitrate_kbps = static_cast<double>(bytes) * 8.0 * 1000.0 / static_cast<double>(span);
  return stats;
}

void Ingest::log(const std::string& line) {
  if (on_log_) on_log_(line);
}

void Ingest::end(const std::string& line) {
  log(line);
  started_ = false;
  run_.reset();
  if (on_end_) on_end_();
}

void Ingest::start_run() {
  auto run = std::make_shared<Run>(io_);
  run->started_us = steady_us();
  run_ = run;
  builder_.start_run();
  ++stats_.runs;
  std::string error;

  if (kind_ == InputKind::kTestPattern) {
    PipeEnds media, errors;
    if (!make_pipe(media, error) || !make_pipe(errors, error)) return end("ingest: " + error);
    run->fragment_pid = spawn_process(test_pattern_command(options_, wall_clock_us()),
                                      {-1, media.write.get(), errors.write.get()}, error);
    if (run->fragment_pid < 0) return end("ingest: cannot start ffmpeg: " + error);
    stats_.decided = true;
    stats_.video_copied = stats_.audio_copied = false;
    stats_.has_audio = true;
    run->media.assign(media.read.release());
    run->media_open = true;
    run->fragment_log.descriptor.assign(errors.read.release());
    run->fragment_log.open = true;
    log("ingest: test pattern " + std::to_string(options_.width) + "x" +
        std::to_string(options_.height) + " at " + std::to_string(options_.fps) +
        " fps, encoding H.264 + AAC");
    read_media(run);
    read_log(run, false);
    return;
  }

  PipeEnds ts, errors;
  if (!make_pipe(ts, error) || !make_pipe(errors, error)) return end("ingest: " + error);
  const int stdin_fd = kind_ == InputKind::kStdin ? 0 : -1;
  run->demux_pid =
      spawn_process(demux_command(options_), {stdin_fd, ts.write.get(), errors.write.get()}, error);
  if (run->demux_pid < 0) return end("ingest: cannot start ffmpeg: " + error);
  run->ts_read = std::move(ts.read);
  run->demux_log.descriptor.assign(errors.read.release());
  run->demux_log.open = true;
  if (is_listener(kind_)) log("ingest: listening for a publisher on " + options_.input);
  read_log(run, true);
}

void Ingest::spawn_fragment_stage(const std::shared_ptr<Run>& run) {
  const SourceStreams& streams = run->scanner.streams();
  if (!streams.has_video && !streams.has_audio) {
    return abort_run(run, "ingest: the input has no audio or video stream");
  }
  stats_.decided = true;
  stats_.video_copied = streams.has_video && streams.video_copyable;
  stats_.audio_copied = false;  // copied AAC has no config in an empty moov: ffmpeg_command.cpp
  stats_.has_audio = streams.has_audio;
  if (streams.has_video) {
    log(std::string("ingest: video ") + (streams.video_copyable ? "copy" : "encode (libx264)") +
        ": " + streams.video_line);
  } else {
    log("ingest: no video stream, audio only");
  }
  if (streams.has_audio) {
    log("ingest: audio encode (AAC" + std::string(streams.audio_copyable ? ", even though the input is AAC" : "") +
        "): " + streams.audio_line);
  } else {
    log("ingest: no audio stream, video only");
  }

  PipeEnds media, errors;
  std::string error;
  if (!make_pipe(media, error) || !make_pipe(errors, error)) {
    return abort_run(run, "ingest: " + error);
  }
  run->fragment_pid = spawn_process(fragment_command(options_, streams),
                                    {run->ts_read.get(), media.write.get(), errors.write.get()},
                                    error);
  // Either the fragment stage has the TS pipe now, or nobody will: the demux stage then gets
  // EPIPE and ends, which ends the run.
  run->ts_read.reset();
  if (run->fragment_pid < 0) return abort_run(run, "ingest: cannot start ffmpeg: " + error);
  run->media.assign(media.read.release());
  run->media_open = true;
  run->fragment_log.descriptor.assign(errors.read.release());
  run->fragment_log.open = true;
  read_media(run);
  read_log(run, false);
}

void Ingest::read_media(const std::shared_ptr<Run>& run) {
  std::weak_ptr<int> alive = alive_;
  run->media.async_read_some(
      boost::asio::buffer(run->media_buffer),
      [this, alive, run](const boost::system::error_code& ec, std::size_t n) {
        if (alive.expired() || run->cancelled) return;
        if (ec) {
          boost::system::error_code ignored;
          run->media.close(ignored);
          run->media_open = false;
          return maybe_finish_run(run);
        }
        handle_media(run, n);
        if (!run->cancelled && run->media_open) read_media(run);
      });
}

void Ingest::handle_media(const std::shared_ptr<Run>& run, std::size_t bytes) {
  auto items = run->parser.feed(std::span(run->media_buffer.data(), bytes));
  for (auto& item : items) {
    auto* fragment = std::get_if<Fragment>(&item);
    if (fragment == nullptr) continue;  // the parser keeps the init in force
    auto chunk = builder_.build(*run->parser.init(), *fragment, wall_clock_us());
    if (!chunk) continue;
    ++run->chunks;
    ++stats_.chunks;
    stats_.bytes += chunk->payload.size();
    count_bytes(chunk->payload.size());
    if (on_chunk_) on_chunk_(std::move(*chunk));
    if (run->cancelled) return;  // the callback stopped us
  }
  if (const auto error = run->parser.error()) {
    abort_run(run, std::string("ingest: bad fragmented MP4 from ffmpeg: ") + to_string(*error));
  }
}

void Ingest::read_log(const std::shared_ptr<Run>& run, bool demux_stage) {
  LogPipe& pipe = demux_stage ? run->demux_log : run->fragment_log;
  std::weak_ptr<int> alive = alive_;
  pipe.descriptor.async_read_some(
      boost::asio::buffer(pipe.buffer),
      [this, alive, run, demux_stage, &pipe](const boost::system::error_code& ec, std::size_t n) {
        if (alive.expired() || run->cancelled) return;
        if (ec) {
          if (!pipe.line.empty()) handle_log_line(run, demux_stage, pipe.line);
          if (run->cancelled) return;
          boost::system::error_code ignored;
          pipe.descriptor.close(ignored);
          pipe.open = false;
          return maybe_finish_run(run);
        }
        for (std::size_t i = 0; i < n; ++i) {
          const char c = pipe.buffer[i];
          if (c == '\n' || c == '\r') {
            const std::string line = std::move(pipe.line);
            pipe.line.clear();
            handle_log_line(run, demux_stage, line);
            if (run->cancelled) return;
          } else if (pipe.line.size() < kMaxLogLine) {
            pipe.line += c;
          }
        }
        if (pipe.open) read_log(run, demux_stage);
      });
}

void Ingest::handle_log_line(const std::shared_ptr<Run>& run, bool demux_stage,
                             std::string_view line) {
  if (demux_stage && !run->scanner.complete() && run->scanner.feed_line(line)) {
    spawn_fragment_stage(run);
    return;
  }
  if (is_meaningful_ffmpeg_line(line)) log("ingest: " + std::string(line));
}

void Ingest::abort_run(const std::shared_ptr<Run>& run, const std::string& reason) {
  log(reason);
  // The pipes reach EOF once the children are gone; the run then finishes as usual.
  if (run->demux_pid > 0) ::kill(run->demux_pid, SIGKILL);
  if (run->fragment_pid > 0) ::kill(run->fragment_pid, SIGKILL);
  run->ts_read.reset();
}

void Ingest::maybe_finish_run(const std::shared_ptr<Run>& run) {
  if (run->finished || run != run_) return;
  const bool fragment_done = !run->media_open && !run->fragment_log.open;
  // The fragment stage is gone but the demux stage may be blocked on its input (a silent
  // publisher): nobody reads its output any more, so end it.
  if (fragment_done && run->fragment_pid > 0 && run->demux_log.open && run->demux_pid > 0) {
    ::kill(run->demux_pid, SIGKILL);
  }
  if (!fragment_done || run->demux_log.open) return;
  run->finished = true;
  run->ts_read.reset();
  const bool had_fragment_stage = run->fragment_pid > 0;
  const int demux_status = reap_process(run->demux_pid, kExitGraceMs);
  const int fragment_status = reap_process(run->fragment_pid, kExitGraceMs);
  run->demux_pid = run->fragment_pid = -1;
  schedule_next_run(run, had_fragment_stage ? fragment_status : demux_status);
}

void Ingest::schedule_next_run(const std::shared_ptr<Run>& run, int status) {
  if (!started_) return;
  const bool produced = run->chunks > 0;
  const std::string how = describe_wait_status(status);
  bool delay = true;
  switch (kind_) {
    case InputKind::kRtmpListen:
    case InputKind::kSrtListen:
      log(produced ? "ingest: publisher gone (ffmpeg " + how + "), listening again"
                   : "ingest: listener ended without media (ffmpeg " + how + "), listening again");
      // Listen again at once so a reconnecting publisher finds us; only a listener that fails
      // straight away (port taken, bad URL) is slowed down, so it cannot spin.
      delay = !produced && steady_us() - run->started_us < 1'000'000;
      break;
    case InputKind::kTestPattern:
      log("ingest: test pattern ffmpeg ended (" + how + "), restarting in 1 s");
      break;
    case InputKind::kFile:
      if (!produced) {
        return end("ingest: input ended: no media could be read from " + options_.input +
                   " (ffmpeg " + how + ")");
      }
      if (!options_.loop) return end("ingest: input ended (" + options_.input + ")");
      log("ingest: " + options_.input + " ended (ffmpeg " + how + "), restarting in 1 s");
      break;
    case InputKind::kStdin:
      return end(produced ? "ingest: input ended (stdin)"
                          : "ingest: input ended: no media could be read from stdin (ffmpeg " +
                                how + ")");
  }
  run_.reset();
  ++stats_.restarts;
  std::weak_ptr<int> alive = alive_;
  restart_timer_.expires_after(delay ? std::chrono::steady_clock::duration(kRestartDelay)
                                     : std::chrono::steady_clock::duration::zero());
  restart_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !started_) return;
    start_run();
  });
}

void Ingest::count_bytes(std::size_t bytes) {
  const std::int64_t now = steady_us();
  recent_bytes_.emplace_back(now, bytes);
  while (!recent_bytes_.empty() && now - recent_bytes_.front().first > kBitrateWindowUs) {
    recent_bytes_.pop_front();
  }
}

}  // namespace potok::media
