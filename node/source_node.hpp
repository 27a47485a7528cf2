// `potok stream` at run time: ingest -> sign -> the source's engine -> viewers over WebSocket,
// plus the HTTP side (player page, /stats.json). Owns nothing global; the command builds it
// from parsed options and runs the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "node/crypto/stream_key.hpp"
#include "node/engine_driver.hpp"
#include "node/media/ingest.hpp"
#include "node/net/http_server.hpp"
#include "node/player_page.hpp"

namespace potok::node {

struct SourceOptions {
  media::IngestOptions ingest;
  std::string http_host = "127.0.0.1";
  std::uint16_t http_port = 8080;
  std::uint64_t upload_cap_bps = 1'000'000'000;  // what viewers may take from this node
  PlayerConfig page;                             // key and source peer are filled in by the node
  std::string_view page_template;                // the web build's player (web/player_template.hpp)
  std::string page_path;                         // where to write the page ("" = do not)
};

class SourceNode {
 public:
  SourceNode(boost::asio::io_context& io, SourceOptions options, crypto::SigningKey key);
  ~SourceNode();

  // Listens, writes the page, starts the ingest. False (with `error`) if any of it fails.
  bool start(std::string& error);
  void stop();
  std::string url() const;  // where the page is served
  const std::string& page_path() const { return options_.page_path; }
  std::string stream_key() const { return crypto::to_base64url(key_.public_key()); }
  std::string stats_json() const;
  void set_on_input_end(std::function<void()> f) { on_input_end_ = std::move(f); }

 private:
  void on_media(media::MediaChunk chunk);
  net::HttpResponse route(const net::http::request<net::http::string_body>& request) const;
  void log(const std::string& line) const;

  boost::asio::io_context& io_;
  SourceOptions options_;
  crypto::SigningKey key_;
  PeerId self_;
  std::string page_;
  std::unique_ptr<EngineDriver> driver_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<media::Ingest> ingest_;
  std::function<void()> on_input_end_;
  std::uint64_t next_seq_ = 0;  // also the number of chunks produced, parity included
  std::uint64_t next_group_ = 0;
  StreamParams params_;
  std::vector<ChunkPtr> row_;  // with parity: the data chunks of the row being produced
  std::int64_t started_us_ = 0;
};

// Timestamped log line on stderr: "HH:MM:SS.mmm potok: ...".
void log_line(const std::string& line);

}  // namespace potok::node
