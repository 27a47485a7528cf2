#include "node/source_node.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/chunk_signing.hpp"
#include "core/parity.hpp"

namespace potok::node {

void log_line(const std::string& line) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  std::fprintf(stderr, "%02d:%02d:%02d.%03d potok: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms),
               line.c_str());
}

SourceNode::SourceNode(boost::asio::io_context& io, SourceOptions options, crypto::SigningKey key)
    : io_(io), options_(std::move(options)), key_(std::move(key)), self_(source_peer_of(key_.public_key())) {
  options_.page.stream_key = key_.public_key();
  options_.page.source_peer = self_;
}

SourceNode::~SourceNode() { stop(); }

bool SourceNode::start(std::string& error) {
  started_us_ = wall_clock_us();
  EngineConfig config;
  config.role = Role::kSource;
  config.self = self_;
  config.stream = default_stream();
  config.stream.bitrate_bps = static_cast<std::uint32_t>(
      (options_.ingest.video_kbps + options_.ingest.audio_kbps) * 1000ULL);
  config.upload_cap_bps = options_.upload_cap_bps;
  params_ = config.stream;
  config.seed = static_cast<std::uint64_t>(started_us_);
  DriverCallbacks callbacks;
  callbacks.log = [](const std::string& line) { log_line(line); };
  callbacks.on_event = [this](const out::Event& e) {
    if (e.kind == out::EventKind::kProtocolViolation)
      log("peer " + std::to_string(e.peer.value) + " sent something that makes no sense here; ignored");
  };
  driver_ = std::make_unique<EngineDriver>(io_, config, std::nullopt, std::move(callbacks));

  http_ = std::make_unique<net::HttpServer>(
      io_, [this](const auto& request) { return route(request); },
      [this](net::beast::tcp_stream stream, net::http::request<net::http::string_body> request) {
        auto link = net::WsLink::accept(std::move(stream), std::move(request), self_, driver_->link_callbacks());
        log("viewer connecting from " + link->remote_address());
      });
  if (!http_->listen(options_.http_host, options_.http_port, error)) return false;
  if (options_.page.bootstrap.empty()) {
    const auto ep = http_->local_endpoint();
    options_.page.bootstrap.push_back("ws://" + options_.http_host + ":" + std::to_string(ep.port()) + "/ws");
  }
  const auto page = render_player_page(options_.page_template, options_.page, error);
  if (!page) return false;
  page_ = *page;
  if (!options_.page_path.empty()) {
    std::ofstream out(options_.page_path, std::ios::binary | std::ios::trunc);
    out << page_;
    if (!out.good()) {
      error = "cannot write the player page to " + options_.page_path;
      return false;
    }
  }
  driver_->start();
  ingest_ = std::make_unique<media::Ingest>(
      io_, options_.ingest, [this](media::MediaChunk c) { on_media(std::move(c)); },
      [](std::string_view line) { log_line(std::string(line)); });
  ingest_->set_on_end([this] {
    log("the input has ended; viewers keep what they have. Stop with Ctrl-C, or restart with --loop.");
    if (on_input_end_) on_input_end_();
  });
  ingest_->start();
  return true;
}

void SourceNode::stop() {
  if (ingest_) ingest_->stop();
  if (driver_) driver_->stop();
  if (http_) http_->stop();
}

std::string SourceNode::url() const {
  const auto ep = http_->local_endpoint();
  return "http://" + options_.http_host + ":" + std::to_string(ep.port()) + "/";
}

void SourceNode::on_media(media::MediaChunk media) {
  const bool started = next_seq_ > 0;
  if (!media.keyframe && !started) return;  // nothing a viewer can start from yet
  if (media.keyframe && started) ++next_group_;
  auto chunk = std::make_shared<Chunk>();
  chunk->header.seq = ChunkSeq{next_seq_++};
  chunk->header.group = GroupId{next_group_};
  chunk->header.capture_us = media.capture_us;
  chunk->header.keyframe = media.keyframe;
  auto payload = std::make_shared<const Bytes>(std::move(media.payload));
  chunk->signature = key_.sign(chunk_signed_message(chunk->header, *payload));
  chunk->payload = std::move(payload);
  driver_->produce(chunk);
  if (!params_.parity) return;
  // The row's parity goes out with its last data chunk (docs/protocol.md section 9), signed
  // like any other chunk.
  row_.push_back(std::move(chunk));
  if (!params_.is_parity(ChunkSeq{next_seq_})) return;
  auto parity = std::make_shared<Chunk>(*make_parity_chunk(row_));
  row_.clear();
  ++next_seq_;
  parity->signature = key_.sign(chunk_signed_message(parity->header, *parity->payload));
  driver_->produce(std::move(parity));
}

net::HttpResponse SourceNode::route(const net::http::request<net::http::string_body>& request) const {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/" || path == "/index.html" || path == "/player.html") return {200, "text/html; charset=utf-8", page_};
  if (path == "/stats.json") return {200, "application/json", stats_json()};
  if (path == "/config.json") return {200, "application/json", config_json(options_.page)};
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

std::string SourceNode::stats_json() const {
  nlohmann::json peers = nlohmann::json::array();
  for (const PeerStats& p : driver_->peer_stats()) {
    peers.push_back({{"peer", std::to_string(p.peer.value)},
                     {"address", p.address},
                     {"bytes_sent", p.engine.bytes_up},
                     {"bytes_received", p.engine.bytes_down},
                     {"media_bytes_sent", p.engine.media_up},
                     {"websocket_bytes_sent", p.bytes_sent},
                     {"websocket_bytes_received", p.bytes_received}});
  }
  const TrafficCounters& total = driver_->engine().accounting().total();
  const media::IngestStats ingest = ingest_ ? ingest_->stats() : media::IngestStats{};
  const EngineStatus status = driver_->engine().status();
  const nlohmann::json j = {
      {"stream_key", crypto::to_base64url(key_.public_key())},
      {"uptime_s", static_cast<double>(wall_clock_us() - started_us_) / 1e6},
      {"peers_connected", driver_->links()},
      {"children", status.children},
      // Protocol bytes (wire frames) since start, departed viewers included.
      {"bytes_sent", total.bytes_up},
      {"bytes_received", total.bytes_down},
      {"media_bytes_sent", total.media_up},
      {"chunks_produced", next_seq_},
      {"bitrate_kbps", ingest.bitrate_kbps},
      {"ingest", {{"runs", ingest.runs}, {"restarts", ingest.restarts}, {"bytes", ingest.bytes},
                  {"video_copied", ingest.video_copied}, {"audio_copied", ingest.audio_copied}}},
      {"peers", peers},
  };
  return j.dump(2) + "\n";
}

void SourceNode::log(const std::string& line) const { log_line(line); }

}  // namespace potok::node
