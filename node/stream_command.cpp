#include "node/stream_command.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "node/args.hpp"
#include "node/run_loop.hpp"
#include "node/source_node.hpp"
#include "web/player_template.hpp"

namespace potok::cli {

namespace {
constexpr const char* kStreamUsage = R"(Usage: potok stream [options]

Streams live to viewers' browsers. Ingests the input through FFmpeg, cuts it into signed
~100 ms chunks, serves a generated player page, and feeds the viewers that open it.
With no options: a built-in test pattern (moving picture, clock, tone) on http://127.0.0.1:8080/.

Input:
  --input SRC        what to stream (default: the test pattern):
                       FILE                  a media file, played in real time
                       -                     MPEG-TS or fragmented MP4 on standard input
                       rtmp://ADDR:PORT/app/key         listen; publish from OBS or ffmpeg
                       'srt://ADDR:PORT?mode=listener'  listen for an SRT publisher
  --loop             play FILE again from the start when it ends
  --size WxH         test pattern size (default 640x360)
  --fps N            test pattern frame rate, 1..120 (default 30)
  --video-kbps N     video bitrate when encoding, 100..50000 (default 2000)
  --audio-kbps N     audio bitrate when encoding, 32..512 (default 128)
                     (H.264/AAC inputs are copied untouched)
Serving:
  --http ADDR:PORT   where the page, /stats.json and the viewers' WebSocket are served
                     (default 127.0.0.1:8080; port 0 picks a free one)
  --advertise URL    bootstrap URL written into the page, e.g. wss://example.org/ws when behind
                     a reverse proxy; repeatable (default ws://ADDR:PORT/ws of --http)
  --ice URL          STUN/TURN server for viewers' browser-to-browser links; repeatable
  --upload-mbps N    upload viewers may use from this node, 1..100000 (default 1000)
Page:
  --page FILE        where to write the self-contained player page (default potok-player.html)
  --title TEXT       the page's title (default "Potok live")
  --welcome TEXT     the welcome text viewers see before they press play
Identity:
  --key FILE         the stream's Ed25519 key; created (mode 0600) on first run and reused, so
                     published pages stay valid (default ~/.config/potok/stream.key)
Other:
  --duration S       stop after S seconds (default: run until Ctrl-C)
  -h, --help         this text
)";

std::string default_key_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  const std::string base = xdg && *xdg ? xdg : (home && *home ? std::string(home) + "/.config" : ".");
  return base + "/potok/stream.key";
}

bool parse_size(const std::string& text, int& w, int& h) {
  unsigned a = 0, b = 0;
  char x = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &a, &x, &b, &extra) != 3 || x != 'x') return false;
  if (a < 16 || b < 16 || a > 3840 || b > 2160 || a % 2 || b % 2) return false;
  w = static_cast<int>(a);
  h = static_cast<int>(b);
  return true;
}

}  // namespace

int run_stream_command(const std::vector<std::string>& argv) {
  Args args(argv);
  if (args.flag("--help") || args.flag("-h")) {
    std::fputs(kStreamUsage, stdout);
    return 0;
  }
  node::SourceOptions options;
  options.page_template = web::player_template();
  options.ingest.input = args.text("--input").value_or("");
  options.ingest.loop = args.flag("--loop");
  if (auto v = args.text("--size"); v && !parse_size(*v, options.ingest.width, options.ingest.height))
    return fail_usage("stream", "--size wants WIDTHxHEIGHT with even numbers from 16x16 to 3840x2160, not '" + *v + "'");
  if (auto v = args.integer("--fps", 1, 120)) options.ingest.fps = static_cast<int>(*v);
  if (auto v = args.integer("--video-kbps", 100, 50'000)) options.ingest.video_kbps = static_cast<int>(*v);
  if (auto v = args.integer("--audio-kbps", 32, 512)) options.ingest.audio_kbps = static_cast<int>(*v);
  const std::string http = args.text("--http").value_or("127.0.0.1:8080");
  options.page.bootstrap = args.texts("--advertise");
  options.page.ice_servers = args.texts("--ice");
  if (auto v = args.integer("--upload-mbps", 1, 100'000)) options.upload_cap_bps = *v * 1'000'000ULL;
  options.page_path = args.text("--page").value_or("potok-player.html");
  options.page.title = args.text("--title").value_or("Potok live");
  options.page.welcome = args.text("--welcome").value_or("Live, peer to peer, right in your browser.");
  const std::string key_path = args.text("--key").value_or(default_key_path());
  const auto duration = args.number("--duration", 1, 1e7);
  if (!args.finish()) return fail_usage("stream", args.error());
  if (!net::parse_host_port(http, options.http_host, options.http_port))
    return fail_usage("stream", "--http wants ADDR:PORT, e.g. 127.0.0.1:8080, not '" + http + "'");
  for (const auto& url : options.page.bootstrap)
    if (url.rfind("ws://", 0) != 0 && url.rfind("wss://", 0) != 0)
      return fail_usage("stream", "--advertise wants a ws:// or wss:// URL, not '" + url + "'");
  if (options.ingest.loop && media::classify_input(options.ingest.input) != media::InputKind::kFile)
    return fail_usage("stream", "--loop only applies to a file --input");

  std::error_code ec;
  const auto key_dir = std::filesystem::path(key_path).parent_path();
  if (!key_dir.empty()) std::filesystem::create_directories(key_dir, ec);
  std::string error;
  bool created = false;
  auto key = crypto::SigningKey::load_or_create(key_path, error, created);
  if (!key) {
    std::fprintf(stderr, "potok stream: %s\n", error.c_str());
    return 1;
  }
  node::log_line(std::string(created ? "created a new stream key in " : "using the stream key in ") + key_path);

  boost::asio::io_context io;
  node::SourceNode source(io, std::move(options), std::move(*key));
  if (!source.start(error)) {
    std::fprintf(stderr, "potok stream: %s\n", error.c_str());
    return 1;
  }
  std::printf("potok: stream key %s\n", source.stream_key().c_str());
  if (!source.page_path().empty())
    std::printf("potok: player page written to %s\n", std::filesystem::absolute(source.page_path()).c_str());
  std::printf("potok: watch at %s\n", source.url().c_str());
  std::fflush(stdout);

  node::run_until_stopped(io, duration, [&](const char* why) {
    node::log_line(std::string("stopping: ") + why);
    source.stop();
  });
  return 0;
}

}  // namespace potok::cli
