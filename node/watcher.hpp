// `potok watch` at run time: one native viewer on the same engine as the browsers. It joins
// through the page's bootstrap, verifies every chunk with the stream key, and either records
// what it plays to an MP4 file or only accounts for it (load tests).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "node/engine_driver.hpp"
#include "node/net/url.hpp"
#include "node/player_page.hpp"

namespace potok::node {

struct WatchSummary {
  bool playing = false;
  double startup_ms = -1;  // Start -> first chunk shown
  std::uint64_t delivered = 0;
  std::uint64_t skipped = 0;
  std::uint64_t verified = 0;
  std::uint64_t rejected = 0;
  std::uint64_t bytes_down = 0;
  std::uint64_t resyncs = 0;
  std::vector<double> play_delay_ms;     // capture -> when each chunk is due on screen
  std::vector<double> arrival_delay_ms;  // capture -> when each chunk was in hand
};

class Watcher {
 public:
  Watcher(boost::asio::io_context& io, PlayerConfig config, net::Url bootstrap, std::string out_path);
  ~Watcher();
  bool start(std::string& error);
  void stop();
  const WatchSummary& summary() const { return summary_; }
  std::string summary_json() const;
  std::string status_line() const;

 private:
  void on_deliver(const out::Deliver& d);
  void on_event(const out::Event& e);
  void write_media(const Chunk& chunk);

  boost::asio::io_context& io_;
  PlayerConfig config_;
  net::Url bootstrap_;
  std::string out_path_;
  std::FILE* out_ = nullptr;
  std::vector<std::uint8_t> written_init_;
  int out_index_ = 1;
  std::unique_ptr<EngineDriver> driver_;
  WatchSummary summary_;
};

}  // namespace potok::node
