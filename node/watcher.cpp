#include "node/watcher.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "node/media/media_payload.hpp"
#include "node/source_node.hpp"

namespace potok::node {

namespace {
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

std::uint64_t random_peer_id() {
  std::random_device rd;
  std::uint64_t id = 0;
  while (id == 0) id = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  return id;
}

// "recording.mp4" -> "recording-2.mp4": a new file when the stream's init segment changes.
std::string numbered(const std::string& path, int n) {
  if (n <= 1) return path;
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return path + "-" + std::to_string(n);
  return path.substr(0, dot) + "-" + std::to_string(n) + path.substr(dot);
}
}  // namespace

Watcher::Watcher(boost::asio::io_context& io, PlayerConfig config, net::Url bootstrap, std::string out_path)
    : io_(io), config_(std::move(config)), bootstrap_(std::move(bootstrap)), out_path_(std::move(out_path)) {}

Watcher::~Watcher() {
  stop();
  if (out_) std::fclose(out_);
}

bool Watcher::start(std::string& error) {
  if (!out_path_.empty()) {
    out_ = std::fopen(out_path_.c_str(), "wb");
    if (!out_) {
      error = "cannot write " + out_path_;
      return false;
    }
  }
  const std::uint64_t self = random_peer_id();
  EngineConfig config;
  config.role = Role::kPeer;
  config.self = PeerId{self};
  config.bootstrap = config_.source_peer;
  config.upload_cap_bps = 0;  // relaying between native watchers needs WebRTC (next issue)
  config.seed = self;
  DriverCallbacks callbacks;
  callbacks.log = [](const std::string& line) { log_line(line); };
  callbacks.on_deliver = [this](const out::Deliver& d) { on_deliver(d); };
  callbacks.on_event = [this](const out::Event& e) { on_event(e); };
  callbacks.dial = [this](PeerId peer, Bytes first_frame) -> std::shared_ptr<net::WsLink> {
    if (peer != config_.source_peer) return nullptr;
    return net::WsLink::connect(io_, bootstrap_.host, bootstrap_.port, bootstrap_.target, driver_->engine().config().self,
                                config_.source_peer, driver_->link_callbacks(), std::move(first_frame));
  };
  driver_ = std::make_unique<EngineDriver>(io_, config, config_.stream_key, std::move(callbacks));
  driver_->start();
  return true;
}

void Watcher::stop() {
  if (driver_) driver_->stop();
}

void Watcher::on_deliver(const out::Deliver& d) {
  const Chunk& chunk = *d.chunk;
  const Instant now = driver_->clock().now();
  ++summary_.delivered;
  // Both clocks are the wall clock (NodeClock is anchored to it), so on one machine these are
  // true delays behind the source's capture.
  summary_.play_delay_ms.push_back(static_cast<double>(us_of(d.play_at) - chunk.header.capture_us) / 1000.0);
  summary_.arrival_delay_ms.push_back(static_cast<double>(us_of(now) - chunk.header.capture_us) / 1000.0);
  if (out_) write_media(chunk);
}

void Watcher::write_media(const Chunk& chunk) {
  if (!chunk.payload) return;
  const auto decoded = media::decode_media_payload(*chunk.payload);
  if (const auto* err = std::get_if<media::MediaPayloadError>(&decoded)) {
    log_line(std::string("chunk ") + std::to_string(chunk.header.seq.value) + " has a bad media payload (" +
             media::to_string(*err) + "); not recorded");
    return;
  }
  const auto& view = std::get<media::MediaPayloadView>(decoded);
  if (view.has_init && !std::equal(view.init.begin(), view.init.end(), written_init_.begin(), written_init_.end())) {
    if (!written_init_.empty()) {  // new codec setup (publisher reconnected): a new file
      std::fclose(out_);
      const std::string next = numbered(out_path_, ++out_index_);
      out_ = std::fopen(next.c_str(), "wb");
      if (!out_) return;
      log_line("the stream's codec setup changed; recording continues in " + next);
    }
    written_init_.assign(view.init.begin(), view.init.end());
    std::fwrite(view.init.data(), 1, view.init.size(), out_);
  }
  if (written_init_.empty()) return;  // nothing decodable before the first init
  std::fwrite(view.fragment.data(), 1, view.fragment.size(), out_);
}

void Watcher::on_event(const out::Event& e) {
  using out::EventKind;
  switch (e.kind) {
    case EventKind::kPlaybackStarted:
      summary_.playing = true;
      summary_.startup_ms = static_cast<double>(e.value.count()) / 1000.0;
      log_line("playing; startup " + std::to_string(static_cast<int>(summary_.startup_ms)) + " ms");
      break;
    case EventKind::kChunkSkipped: ++summary_.skipped; break;
    case EventKind::kResynced:
      ++summary_.resyncs;
      log_line("fell behind; jumped to the newest group");
      break;
    case EventKind::kForgedChunk:
      log_line("peer " + std::to_string(e.peer.value) + " sent a forged chunk (seq " + std::to_string(e.seq.value) +
               "); dropped");
      break;
    case EventKind::kPeerBanned: log_line("peer " + std::to_string(e.peer.value) + " cut off for forging"); break;
    default: break;
  }
}

std::string Watcher::status_line() const {
  const auto& t = driver_->engine().accounting().total();
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s, %llu chunks shown, %llu skipped, %llu verified, %llu rejected, %.1f MB down",
                summary_.playing ? "playing" : "joining", static_cast<unsigned long long>(summary_.delivered),
                static_cast<unsigned long long>(summary_.skipped), static_cast<unsigned long long>(t.chunks_verified),
                static_cast<unsigned long long>(t.chunks_rejected), static_cast<double>(t.bytes_down) / 1e6);
  return buf;
}

std::string Watcher::summary_json() const {
  const auto& t = driver_->engine().accounting().total();
  const nlohmann::json j = {
      {"playing", summary_.playing},
      {"startup_ms", summary_.startup_ms},
      {"delivered", summary_.delivered},
      {"skipped", summary_.skipped},
      {"resyncs", summary_.resyncs},
      {"chunks_verified", t.chunks_verified},
      {"chunks_rejected", t.chunks_rejected},
      {"bytes_down", t.bytes_down},
      {"play_delay_ms", {{"p50", percentile(summary_.play_delay_ms, 0.5)}, {"p95", percentile(summary_.play_delay_ms, 0.95)}}},
      {"arrival_delay_ms",
       {{"p50", percentile(summary_.arrival_delay_ms, 0.5)}, {"p95", percentile(summary_.arrival_delay_ms, 0.95)}}},
  };
  return j.dump();
}

}  // namespace potok::node
