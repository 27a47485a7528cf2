// A tiny deterministic world for a handful of engines: one source, a few peers, and a network
// with one fixed one-way latency and unlimited bandwidth. It drives each Engine exactly as the
// real drivers do (one Input, then poll_output() until WakeAt) and records what each engine
// showed and reported, so tests can state what a viewer would see.
//
// Header-only and free of the simulator on purpose: the GoogleTest suite (tests/engine_test.cpp)
// and the em++ smoke test (tests/wasm/smoke.cpp) both include it, and the latter must compile
// with em++ 3.1.6 / libc++ 13 (no ranges, <format>, <source_location> or bit_cast).
//
// The world, in short:
//  - PeerId 1 is the source (and the bootstrap); peers are 2..n+1 and join one after another.
//  - out::Connect: both sides get in::Connected one RTT later. A connect to an unknown or
//    crashed peer gets in::ConnectFailed after connect_timeout, as ICE would. One that carries
//    a JoinRequest is a WebSocket to the bootstrap: the far side gets in::Connected and the
//    JoinRequest after one and a half RTTs (TCP handshake, then the upgrade request), the
//    dialler its in::Connected after two.
//  - out::Transmit arrives as in::Received one latency later, in order (upload caps ignored).
//  - out::Disconnect: the other side gets in::Disconnected one latency later.
//  - out::WakeAt: an in::Tick at that time; the newest WakeAt replaces older ones.
//  - out::Verify: answered at once (in::Verified). The source leaves every signature zeroed, so
//    here a chunk is genuine iff its signature is all zeros; tests forge by setting a byte.
//  - The source gets in::Produce every chunk_duration from time 0.
//  - crash(p): from then on nothing reaches p or leaves it, in flight or not; nobody is told.
//  - freeze(p, until): p is descheduled (a stopped or starved process): whatever reaches it
//    meanwhile, its timers and, for the source, the chunks its input produced, wait and are
//    handled at `until`, in the order they came.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "core/config.hpp"
#include "core/engine.hpp"
#include "core/io.hpp"

namespace potok::mini {

struct MiniSwarmConfig {
  int peers = 3;
  StreamParams stream{};              // 4 stripes, the default chunks (50 ms), 2.5 Mbit/s
  Duration latency = ms(20);          // one way, every pair
  Duration connect_timeout = ms(5000);
  Duration first_join = ms(1000);     // when peer 2 starts; the source produces from time 0
  Duration join_spacing = ms(250);    // peer k starts at first_join + (k - 2) * join_spacing
  double source_upload_x = 2.0;       // upload caps, in multiples of the bitrate
  double peer_upload_x = 2.0;
  std::size_t payload_bytes = 1000;   // per chunk; 0 = the stream's nominal chunk size
  std::uint64_t seed = 1;
  Tuning tuning{};
  std::function<void(EngineConfig&)> customize;  // the last word on each engine's config
};

// One chunk handed to the player.
struct Delivery {
  ChunkSeq seq;
  Instant play_at;           // when the engine wants it shown
  Instant at;                // when the engine handed it over
  std::int64_t capture_us;   // source clock; the one clock of this world
  bool late() const { return at > play_at; }
  Duration latency() const { return play_at - at_us(capture_us); }
  bool operator==(const Delivery&) const = default;
};

struct EventRecord {
  Instant at;
  out::Event event;
  bool operator==(const EventRecord& o) const {
    return at == o.at && event.kind == o.event.kind && event.peer == o.event.peer && event.seq == o.event.seq &&
           event.value == o.event.value && event.detail == o.event.detail;
  }
};

// What one engine did, as its driver saw it.
struct NodeLog {
  std::vector<Delivery> deliveries;
  std::vector<EventRecord> events;
  Instant joined_at = kNever;
  std::uint64_t outputs = 0;
  bool runaway = false;  // one input produced outputs without end (an engine bug)
  std::uint64_t wakes_before_now = 0;  // WakeAt in the past: a timer sum that overflowed, say

  int count(out::EventKind kind) const {
    int n = 0;
    for (const EventRecord& e : events) n += e.event.kind == kind ? 1 : 0;
    return n;
  }
  const EventRecord* first(out::EventKind kind) const {
    for (const EventRecord& e : events)
      if (e.event.kind == kind) return &e;
    return nullptr;
  }
};

class MiniSwarm {
 public:
  explicit MiniSwarm(MiniSwarmConfig config) : config_(std::move(config)) {
    const StreamParams& stream = config_.stream;
    const std::size_t payload = config_.payload_bytes != 0 ? config_.payload_bytes
                                                           : static_cast<std::size_t>(stream.chunk_bytes());
    payload_ = std::make_shared<const Bytes>(payload, std::uint8_t{0x5A});
    for (int i = 0; i <= config_.peers; ++i) {
      EngineConfig ec;
      ec.role = i == 0 ? Role::kSource : Role::kPeer;
      ec.self = PeerId{static_cast<std::uint64_t>(i + 1)};
      ec.bootstrap = source();
      ec.stream = stream;
      const double x = i == 0 ? config_.source_upload_x : config_.peer_upload_x;
      ec.upload_cap_bps = static_cast<std::uint64_t>(x * stream.bitrate_bps);
      ec.seed = config_.seed * 1000 + static_cast<std::uint64_t>(i);
      ec.tuning = config_.tuning;
      if (config_.customize) config_.customize(ec);
      nodes_.emplace_back();
      nodes_.back().engine = std::make_unique<Engine>(ec);
      const Instant start = i == 0 ? Instant{} : Instant{} + config_.first_join + (i - 1) * config_.join_spacing;
      schedule(start, Kind::kStart, ec.self);
    }
    schedule(Instant{}, Kind::kProduce, source());
  }

  static PeerId source() { return PeerId{1}; }
  std::vector<PeerId> peers() const {
    std::vector<PeerId> ids;
    for (std::size_t i = 1; i < nodes_.size(); ++i) ids.push_back(PeerId{i + 1});
    return ids;
  }
  Instant now() const { return now_; }
  const MiniSwarmConfig& config() const { return config_; }
  Engine& engine(PeerId p) { return *node(p).engine; }
  const NodeLog& log(PeerId p) const { return nodes_.at(index_of(p)).log; }
  std::uint64_t chunks_produced() const { return next_seq_; }
  std::uint64_t media_produced() const { return next_seq_ * payload_->size(); }
  bool crashed(PeerId p) const { return nodes_.at(index_of(p)).crashed; }

  // Processes everything due up to `t`, in time order (ties in the order they were scheduled).
  void run_until(Instant t) {
    while (!queue_.empty() && queue_.begin()->first.first <= t) {
      auto handle = queue_.extract(queue_.begin());
      now_ = handle.key().first;
      dispatch(std::move(handle.mapped()));
    }
    if (t > now_) now_ = t;
  }
  void run_for(Duration d) { run_until(now_ + d); }

  // The source's input pauses (a publisher reconnecting): nothing is produced until `until`.
  void pause_production_until(Instant until) { paused_until_ = until; }

  // From now on, p neither receives nor sends anything, and nobody is told.
  void crash(PeerId p) { node(p).crashed = true; }

  // p handles nothing before `until`; see the top of the file.
  void freeze(PeerId p, Instant until) { node(p).frozen_until = until; }

  // Hands `to` a message as if `from` (anyone, even a peer that does not exist) had sent it now.
  void inject(PeerId to, PeerId from, Message message) {
    feed(to, in::Received{from, std::move(message)});
  }
  // As if a peer that does not exist had opened a transport to `to`: what `to` sends it then
  // goes out at once and lands in to_strangers().
  void connect_stranger(PeerId to, PeerId stranger) { feed(to, in::Connected{stranger}); }
  // What nodes sent to peers that do not exist (the senders of injected messages), in order.
  struct Stranger {
    PeerId from, to;
    Message message;
  };
  const std::vector<Stranger>& to_strangers() const { return to_strangers_; }

 private:
  enum class Kind : std::uint8_t {
    kStart, kTick, kReceive, kConnected, kConnectFailed, kDisconnected, kProduce, kProduced, kVerified
  };
  struct Pending {
    Kind kind = Kind::kTick;
    PeerId to;
    PeerId from;  // the other end, where there is one
    Message message;
  };
  struct Node {
    std::unique_ptr<Engine> engine;
    NodeLog log;
    Instant wake_at = kNever;
    bool crashed = false;
    Instant frozen_until{};
  };
  // An engine bug that emits outputs forever must fail a test, not hang it.
  static constexpr std::uint64_t kMaxOutputsPerInput = 1'000'000;

  std::vector<Stranger> to_strangers_;

  std::size_t index_of(PeerId p) const { return static_cast<std::size_t>(p.value - 1); }
  bool exists(PeerId p) const { return p.value >= 1 && p.value <= nodes_.size(); }
  Node& node(PeerId p) { return nodes_.at(index_of(p)); }
  bool reachable(PeerId p) const { return exists(p) && !nodes_[index_of(p)].crashed; }

  void schedule(Instant at, Kind kind, PeerId to, PeerId from = {}, Message message = Leave{}) {
    queue_.emplace(std::make_pair(at, order_++), Pending{kind, to, from, std::move(message)});
  }

  void dispatch(Pending p) {
    if (!reachable(p.to)) return;
    Node& target = node(p.to);
    if (now_ < target.frozen_until && p.kind != Kind::kProduce) {
      if (p.kind == Kind::kTick) {
        if (target.wake_at != now_) return;
        target.wake_at = target.frozen_until;
      }
      schedule(target.frozen_until, p.kind, p.to, p.from, std::move(p.message));
      return;
    }
    switch (p.kind) {
      case Kind::kStart:
        node(p.to).log.joined_at = now_;
        feed(p.to, in::Start{});
        break;
      case Kind::kTick:
        if (node(p.to).wake_at != now_) return;  // superseded by a newer WakeAt
        node(p.to).wake_at = kNever;
        feed(p.to, in::Tick{});
        break;
      case Kind::kReceive:
        if (reachable(p.from)) feed(p.to, in::Received{p.from, std::move(p.message)});
        break;
      case Kind::kConnected:
        if (reachable(p.from)) feed(p.to, in::Connected{p.from});
        else feed(p.to, in::ConnectFailed{p.from});
        break;
      case Kind::kConnectFailed:
        feed(p.to, in::ConnectFailed{p.from});
        break;
      case Kind::kDisconnected:
        if (reachable(p.from)) feed(p.to, in::Disconnected{p.from});
        break;
      case Kind::kProduce:
        produce();
        break;
      case Kind::kProduced:
        feed(p.to, in::Produce{std::get<ChunkData>(std::move(p.message)).chunk});
        break;
      case Kind::kVerified: {
        ChunkData data = std::get<ChunkData>(std::move(p.message));
        const bool ok = data.chunk->signature == Signature{};
        feed(p.to, in::Verified{p.from, std::move(data), ok});
        break;
      }
    }
  }

  void produce() {
    const StreamParams& stream = config_.stream;
    if (now_ < paused_until_) {
      schedule(paused_until_, Kind::kProduce, source());
      return;
    }
    auto chunk = std::make_shared<Chunk>();
    chunk->header.seq = ChunkSeq{next_seq_};
    chunk->header.group = GroupId{next_seq_ / stream.chunks_per_group};
    chunk->header.keyframe = next_seq_ % stream.chunks_per_group == 0;
    chunk->header.capture_us = us_of(now_);
    chunk->payload = payload_;
    ++next_seq_;
    if (now_ < node(source()).frozen_until)
      schedule(node(source()).frozen_until, Kind::kProduced, source(), {}, ChunkData{std::move(chunk)});
    else
      feed(source(), in::Produce{std::move(chunk)});
    schedule(now_ + stream.chunk_duration, Kind::kProduce, source());
  }

  using Event = decltype(Input::event);
  void feed(PeerId p, Event event) {
    if (!reachable(p)) return;
    Node& n = node(p);
    n.engine->handle_input(Input{now_, std::move(event)});
    for (std::uint64_t i = 0; i < kMaxOutputsPerInput; ++i) {
      Output o = n.engine->poll_output();
      if (const auto* wake = std::get_if<out::WakeAt>(&o)) {
        if (wake->at < now_) ++n.log.wakes_before_now;
        // An engine that asks for "now" again is woken a millisecond later, so time advances.
        const Instant at = wake->at == kNever ? kNever : (wake->at > now_ ? wake->at : now_ + ms(1));
        n.wake_at = at;
        if (at != kNever) schedule(at, Kind::kTick, p);
        return;
      }
      ++n.log.outputs;
      handle_output(p, std::move(o));
    }
    n.log.runaway = true;
  }

  void handle_output(PeerId self, Output&& o) {
    NodeLog& log = node(self).log;
    if (auto* tx = std::get_if<out::Transmit>(&o)) {
      if (exists(tx->to)) schedule(now_ + config_.latency, Kind::kReceive, tx->to, self, std::move(tx->message));
      else to_strangers_.push_back(Stranger{self, tx->to, std::move(tx->message)});
    } else if (auto* c = std::get_if<out::Connect>(&o)) {
      if (reachable(c->peer) && c->peer != self && c->join) {
        schedule(now_ + 4 * config_.latency, Kind::kConnected, self, c->peer);
        schedule(now_ + 3 * config_.latency, Kind::kConnected, c->peer, self);
        schedule(now_ + 3 * config_.latency, Kind::kReceive, c->peer, self, Message{*c->join});
      } else if (reachable(c->peer) && c->peer != self) {
        const Instant up = now_ + 2 * config_.latency;
        schedule(up, Kind::kConnected, self, c->peer);
        schedule(up, Kind::kConnected, c->peer, self);
      } else {
        schedule(now_ + config_.connect_timeout, Kind::kConnectFailed, self, c->peer);
      }
    } else if (auto* d = std::get_if<out::Disconnect>(&o)) {
      if (exists(d->peer)) schedule(now_ + config_.latency, Kind::kDisconnected, d->peer, self);
    } else if (auto* v = std::get_if<out::Verify>(&o)) {
      schedule(now_, Kind::kVerified, self, v->from, std::move(v->data));
    } else if (auto* del = std::get_if<out::Deliver>(&o)) {
      const ChunkHeader& h = del->chunk->header;
      log.deliveries.push_back(Delivery{h.seq, del->play_at, now_, h.capture_us});
    } else if (auto* ev = std::get_if<out::Event>(&o)) {
      log.events.push_back(EventRecord{now_, *ev});
    }
  }

  MiniSwarmConfig config_;
  std::vector<Node> nodes_;
  std::map<std::pair<Instant, std::uint64_t>, Pending> queue_;
  std::uint64_t order_ = 0;
  Instant now_{};
  std::uint64_t next_seq_ = 0;
  Instant paused_until_{};
  std::shared_ptr<const Bytes> payload_;
};

}  // namespace potok::mini
