#include "node/watch_command.hpp"

#include <cstdio>

#include "node/args.hpp"
#include "node/run_loop.hpp"
#include "node/net/http_fetch.hpp"
#include "node/source_node.hpp"
#include "node/watcher.hpp"

namespace potok::cli {

namespace {
constexpr const char* kWatchUsage = R"(Usage: potok watch URL [options]

Joins a Potok stream natively, with the same protocol engine as the browser player: reads the
player page at URL (or its /config.json), connects to the stream's bootstrap, and verifies
every chunk against the stream key in the page.

Options:
  --out FILE.mp4     record what is played to FILE.mp4 (fragmented MP4; a new numbered file
                     starts if the stream's codec setup changes)
  --headless         record nothing, only account what arrives (load tests); the default
                     without --out
  --duration S       leave after S seconds (default: until Ctrl-C)
  --summary          print a JSON summary line on stdout at the end (for scripts and benches)
  --status-every S   a status line on stderr every S seconds, 0 = never (default 5)
  -h, --help         this text
)";

}  // namespace

int run_watch_command(const std::vector<std::string>& argv) {
  Args args(argv);
  if (args.flag("--help") || args.flag("-h")) {
    std::fputs(kWatchUsage, stdout);
    return 0;
  }
  const auto out = args.text("--out");
  const bool headless = args.flag("--headless");
  const auto duration = args.number("--duration", 0.1, 1e7);
  const bool summary = args.flag("--summary");
  const double status_every = args.number("--status-every", 0, 3600).value_or(5);
  const auto urls = args.positionals();
  if (!args.finish()) return fail_usage("watch", args.error());
  if (urls.size() != 1) return fail_usage("watch", urls.empty() ? "which stream? give the player page's URL" : "one URL only");
  if (out && headless) return fail_usage("watch", "--out and --headless exclude each other");

  std::string error;
  const auto page_url = net::parse_url(urls[0], error);
  if (!page_url || page_url->scheme != "http")
    return fail_usage("watch", error.empty() ? "the URL must be the player page's http:// address" : error);
  boost::asio::io_context io;
  const auto page = net::http_get(io, *page_url, std::chrono::seconds(10), error);
  if (!page) {
    std::fprintf(stderr, "potok watch: %s\n", error.c_str());
    return 1;
  }
  const auto config = node::parse_player_config(*page, error);
  if (!config) {
    std::fprintf(stderr, "potok watch: %s: %s\n", urls[0].c_str(), error.c_str());
    return 1;
  }
  std::optional<net::Url> bootstrap;
  for (const auto& candidate : config->bootstrap) {
    std::string why;
    bootstrap = net::parse_url(candidate, why);
    if (bootstrap && bootstrap->scheme == "ws") break;
    node::log_line("skipping bootstrap " + candidate + ": " + (why.empty() ? "not ws://" : why));
    bootstrap.reset();
  }
  if (!bootstrap) {
    std::fprintf(stderr, "potok watch: the page names no ws:// bootstrap this client can use\n");
    return 1;
  }
  node::log_line("joining \"" + config->title + "\" via " + config->bootstrap.front());

  node::Watcher watcher(io, *config, *bootstrap, out.value_or(""));
  if (!watcher.start(error)) {
    std::fprintf(stderr, "potok watch: %s\n", error.c_str());
    return 1;
  }
  node::Every status(io, status_every, [&] { node::log_line(watcher.status_line()); });
  node::run_until_stopped(io, duration, [&](const char* why) {
    node::log_line(std::string("leaving: ") + why);
    watcher.stop();
  });
  node::log_line(watcher.status_line());
  if (summary) {
    std::printf("%s\n", watcher.summary_json().c_str());
    std::fflush(stdout);
  }
  return watcher.summary().playing ? 0 : 1;
}

}  // namespace potok::cli
