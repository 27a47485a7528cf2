// Driver 2's heart: runs one protocol engine on the node's io_context. It feeds the engine the
// time, link events and received frames; carries out what it asks (send frames, dial, hang up,
// verify signatures with OpenSSL, wake me at T); and passes deliveries and events up to the
// command that owns it (`potok stream` or `potok watch`).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine.hpp"
#include "core/reassembler.hpp"
#include "node/crypto/stream_key.hpp"
#include "node/net/ws_link.hpp"

namespace potok::node {

// Engine time: a monotonic clock anchored to the wall clock at start, so the source's engine
// time is comparable with capture times (wall clock, µs since the Unix epoch) without ever
// jumping if the wall clock is stepped.
class NodeClock {
 public:
  NodeClock();
  Instant now() const;
  std::chrono::steady_clock::time_point to_steady(Instant t) const;

 private:
  std::chrono::steady_clock::time_point steady_start_;
  std::int64_t wall_start_us_;
};

std::int64_t wall_clock_us();

struct DriverCallbacks {
  std::function<void(const out::Deliver&)> on_deliver;
  std::function<void(const out::Event&)> on_event;
  std::function<void(const std::string&)> log;
  // Opens a link to `peer` (made with the driver's link_callbacks()), or returns null if this
  // node cannot reach it (the source never dials; a watcher only dials the bootstrap). A
  // non-empty `first_frame` (the JoinRequest) must ride the link's opening: WsLink::connect's
  // greeting.
  std::function<std::shared_ptr<net::WsLink>(PeerId, Bytes first_frame)> dial;
};

struct PeerStats {
  PeerId peer;
  std::string address;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  TrafficCounters engine;
};

class EngineDriver {
 public:
  EngineDriver(boost::asio::io_context& io, EngineConfig config, std::optional<crypto::PublicKey> stream_key,
               DriverCallbacks callbacks);
  ~EngineDriver();

  void start();
  void stop();  // leaves gracefully and closes every link
  void produce(ChunkPtr chunk);  // source only

  // For links this node accepts or opens: every link must be created with these.
  net::WsLink::Callbacks link_callbacks();

  const Engine& engine() const { return engine_; }
  const NodeClock& clock() const { return clock_; }
  std::vector<PeerStats> peer_stats() const;
  std::size_t links() const { return links_.size(); }
  std::uint64_t wire_errors() const { return wire_errors_; }

 private:
  using Event = decltype(Input::event);
  void feed(Event event);
  void drain();
  void handle(Output&& output);
  void arm_timer(Instant at);
  void on_link_open(net::WsLink& link, PeerId remote);
  void on_link_message(net::WsLink& link, std::span<const std::uint8_t> frame);
  void on_link_close(net::WsLink& link, const std::string& why);
  void log(const std::string& line) const;

  NodeClock clock_;
  Engine engine_;
  std::optional<crypto::Verifier> verifier_;
  DriverCallbacks callbacks_;
  boost::asio::steady_timer timer_;
  Instant timer_at_ = kNever;
  std::map<PeerId, std::shared_ptr<net::WsLink>> links_;    // open, prefaces exchanged
  std::map<PeerId, std::shared_ptr<net::WsLink>> dialing_;  // our dials not yet open
  std::map<PeerId, wire::Reassembler> reassemblers_;
  std::vector<Event> deferred_;  // inputs that answer outputs (verdicts), fed after the drain
  bool feeding_ = false;
  bool stopped_ = false;
  std::uint64_t wire_errors_ = 0;
};

}  // namespace potok::node
