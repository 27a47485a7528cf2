#include "node/engine_driver.hpp"

#include "core/chunk_signing.hpp"
#include "core/wire.hpp"

namespace potok::node {

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

NodeClock::NodeClock() : steady_start_(std::chrono::steady_clock::now()), wall_start_us_(wall_clock_us()) {}

Instant NodeClock::now() const {
  const auto elapsed = std::chrono::steady_clock::now() - steady_start_;
  return at_us(wall_start_us_ + std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

std::chrono::steady_clock::time_point NodeClock::to_steady(Instant t) const {
  return steady_start_ + std::chrono::microseconds(us_of(t) - wall_start_us_);
}

EngineDriver::EngineDriver(boost::asio::io_context& io, EngineConfig config,
                           std::optional<crypto::PublicKey> stream_key, DriverCallbacks callbacks)
    : engine_(config), callbacks_(std::move(callbacks)), timer_(io) {
  if (stream_key) verifier_.emplace(*stream_key);
}

EngineDriver::~EngineDriver() { timer_.cancel(); }

void EngineDriver::start() { feed(in::Start{}); }

void EngineDriver::stop() {
  if (stopped_) return;
  feed(in::Stop{});
  stopped_ = true;
  timer_.cancel();
  auto links = links_;
  auto dialing = dialing_;
  for (auto& [peer, link] : links) link->close("leaving");
  for (auto& [peer, link] : dialing) link->close("leaving");
}

void EngineDriver::produce(ChunkPtr chunk) { feed(in::Produce{std::move(chunk)}); }

net::WsLink::Callbacks EngineDriver::link_callbacks() {
  net::WsLink::Callbacks c;
  c.on_open = [this](net::WsLink& link, PeerId remote) { on_link_open(link, remote); };
  c.on_message = [this](net::WsLink& link, std::span<const std::uint8_t> frame) { on_link_message(link, frame); };
  c.on_close = [this](net::WsLink& link, const std::string& why) { on_link_close(link, why); };
  return c;
}

void EngineDriver::feed(Event event) {
  if (stopped_) return;
  deferred_.push_back(std::move(event));
  if (feeding_) return;  // an outer feed() is draining; it will get to this one
  feeding_ = true;
  // Verdicts come back synchronously (OpenSSL); feeding them after the drain, not inside it,
  // keeps the engine's outputs in order.
  for (std::size_t i = 0; i < deferred_.size() && i < 1'000'000; ++i) {
    Event next = std::move(deferred_[i]);
    engine_.handle_input(Input{clock_.now(), std::move(next)});
    drain();
  }
  deferred_.clear();
  feeding_ = false;
}

void EngineDriver::drain() {
  for (int i = 0; i < 1'000'000; ++i) {
    Output o = engine_.poll_output();
    if (const auto* wake = std::get_if<out::WakeAt>(&o)) {
      arm_timer(wake->at);
      return;
    }
    handle(std::move(o));
  }
  log("engine: runaway output, stopping the drain");
}

void EngineDriver::handle(Output&& o) {
  if (auto* tx = std::get_if<out::Transmit>(&o)) {
    auto it = links_.find(tx->to);
    if (it == links_.end()) return;
    for (Bytes& frame : wire::encode(tx->message)) it->second->send(std::move(frame));
  } else if (auto* c = std::get_if<out::Connect>(&o)) {
    if (links_.count(c->peer) || dialing_.count(c->peer)) return;
    Bytes first_frame;  // a JoinRequest is one frame; one encode refuses waits for the join retry
    if (std::vector<Bytes> frames = c->join ? wire::encode(*c->join) : std::vector<Bytes>{}; frames.size() == 1)
      first_frame = std::move(frames.front());
    std::shared_ptr<net::WsLink> link = callbacks_.dial ? callbacks_.dial(c->peer, std::move(first_frame)) : nullptr;
    if (link) dialing_[c->peer] = std::move(link);
    else deferred_.push_back(in::ConnectFailed{c->peer});
  } else if (auto* d = std::get_if<out::Disconnect>(&o)) {
    if (auto it = links_.find(d->peer); it != links_.end()) it->second->close("disconnected by the protocol");
  } else if (auto* v = std::get_if<out::Verify>(&o)) {
    const Chunk& chunk = *v->data.chunk;
    static const Bytes kEmpty;
    const Bytes message = chunk_signed_message(chunk.header, chunk.payload ? *chunk.payload : kEmpty);
    const bool ok = verifier_ && verifier_->verify(message, chunk.signature);
    deferred_.push_back(in::Verified{v->from, std::move(v->data), ok});
  } else if (auto* del = std::get_if<out::Deliver>(&o)) {
    if (callbacks_.on_deliver) callbacks_.on_deliver(*del);
  } else if (auto* ev = std::get_if<out::Event>(&o)) {
    if (callbacks_.on_event) callbacks_.on_event(*ev);
  }
}

void EngineDriver::arm_timer(Instant at) {
  if (at == timer_at_ || stopped_) return;
  timer_at_ = at;
  if (at == kNever) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(clock_.to_steady(at));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    timer_at_ = kNever;
    feed(in::Tick{});
  });
}

void EngineDriver::on_link_open(net::WsLink& link, PeerId remote) {
  auto self = link.shared_from_this();
  if (auto it = dialing_.find(remote); it != dialing_.end() && it->second == self) dialing_.erase(it);
  if (links_.count(remote) || remote == engine_.config().self) {
    link.close("peer id already connected");
    return;
  }
  links_[remote] = self;
  reassemblers_.erase(remote);
  feed(in::Connected{remote});
}

void EngineDriver::on_link_message(net::WsLink& link, std::span<const std::uint8_t> frame) {
  const PeerId from = link.remote();
  auto it = links_.find(from);
  if (it == links_.end() || it->second.get() != &link) return;
  auto result = reassemblers_[from].receive(frame);
  if (!result) {
    ++wire_errors_;
    log("peer " + std::to_string(from.value) + ": bad frame (" + wire::to_string(result.error()) + "), dropped");
    return;
  }
  if (result->has_value()) feed(in::Received{from, std::move(**result)});
}

void EngineDriver::on_link_close(net::WsLink& link, const std::string& why) {
  auto self = link.shared_from_this();
  for (auto it = dialing_.begin(); it != dialing_.end(); ++it) {
    if (it->second != self) continue;
    const PeerId peer = it->first;
    dialing_.erase(it);
    log("cannot reach peer " + std::to_string(peer.value) + ": " + why);
    feed(in::ConnectFailed{peer});
    return;
  }
  const PeerId remote = link.remote();
  auto it = links_.find(remote);
  if (it == links_.end() || it->second != self) return;
  links_.erase(it);
  reassemblers_.erase(remote);
  log("peer " + std::to_string(remote.value) + " (" + link.remote_address() + ") left: " + why);
  feed(in::Disconnected{remote});
}

std::vector<PeerStats> EngineDriver::peer_stats() const {
  std::vector<PeerStats> out;
  const auto& per_peer = engine_.accounting().per_peer();
  for (const auto& [peer, link] : links_) {
    PeerStats s;
    s.peer = peer;
    s.address = link->remote_address();
    s.bytes_sent = link->bytes_sent();
    s.bytes_received = link->bytes_received();
    if (auto it = per_peer.find(peer); it != per_peer.end()) s.engine = it->second;
    out.push_back(s);
  }
  return out;
}

void EngineDriver::log(const std::string& line) const {
  if (callbacks_.log) callbacks_.log(line);
}

}  // namespace potok::node
