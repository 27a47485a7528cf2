#include "sim/swarm.hpp"

#include <algorithm>
#include <chrono>

#include "core/wire.hpp"

namespace potok::sim {

namespace {
constexpr double kWindowS = 10;  // continuity series resolution
constexpr std::int64_t kMinSessionForUploadStatUs = 10'000'000;
}  // namespace

Swarm::Swarm(Scenario scenario)
    : scenario_(std::move(scenario)), network_(scenario_), rng_(scenario_.seed) {
  end_us_ = static_cast<std::int64_t>(scenario_.duration_s * 1e6);
  payload_ = std::make_shared<const Bytes>(scenario_.stream.chunk_bytes(), std::uint8_t{0});
  summary_.peers = scenario_.peers;
  summary_.duration_s = scenario_.duration_s;
  summary_.bitrate_kbps = scenario_.stream.bitrate_bps / 1000;
  summary_.seed = scenario_.seed;
  summary_.churn = scenario_.churn;
  summary_.continuity_series.resize(static_cast<std::size_t>(scenario_.duration_s / kWindowS) + 1);
  for (std::size_t i = 0; i < summary_.continuity_series.size(); ++i)
    summary_.continuity_series[i].t_s = static_cast<double>(i) * kWindowS;
  schedule_initial();
}

Swarm::~Swarm() = default;

void Swarm::schedule_initial() {
  Node source;
  source.host = network_.make_source(rng_);
  EngineConfig cfg;
  cfg.role = Role::kSource;
  cfg.self = id_of(0);
  cfg.stream = scenario_.stream;
  cfg.upload_cap_bps = static_cast<std::uint64_t>(scenario_.source_budget_multiple * scenario_.stream.bitrate_bps);
  cfg.seed = scenario_.seed;
  cfg.verify_chunks = false;  // simulated peers cannot forge; skip the driver round trip
  cfg.tuning = scenario_.tuning;
  source.engine = std::make_unique<Engine>(cfg);
  source.engine->accounting().set_per_peer(false);
  source.alive = true;
  nodes_.push_back(std::move(source));
  feed(0, Input{local(nodes_[0]), in::Start{}});
  queue_.push(0, EventType::kProduce, 0);
  for (std::uint32_t i = 0; i < scenario_.peers; ++i)
    spawn(static_cast<std::int64_t>(rng_.uniform(0.5, scenario_.join_window_s) * 1e6));
}

void Swarm::spawn(std::int64_t at_us) {
  const auto index = static_cast<std::uint32_t>(nodes_.size());
  Node n;
  n.host = network_.make_peer(rng_);
  n.clock_offset_us = static_cast<std::int64_t>(rng_.uniform(-3600, 3600) * 1e6);
  EngineConfig cfg;
  cfg.role = Role::kPeer;
  cfg.self = id_of(index);
  cfg.bootstrap = id_of(0);
  cfg.upload_cap_bps = static_cast<std::uint64_t>(n.host.capacity_multiple * scenario_.stream.bitrate_bps);
  cfg.nat = n.host.nat;
  cfg.seed = rng_.next();
  cfg.verify_chunks = false;
  cfg.tuning = scenario_.tuning;
  n.engine = std::make_unique<Engine>(cfg);
  n.engine->accounting().set_per_peer(false);
  nodes_.push_back(std::move(n));
  queue_.push(at_us, EventType::kJoin, index);
  if (scenario_.churn) {
    const double session = rng_.exponential(scenario_.mean_session_s);
    queue_.push(at_us + static_cast<std::int64_t>(session * 1e6), EventType::kDepart, index);
  }
}

std::uint32_t Swarm::put_message(Message&& m) {
  if (free_slots_.empty()) {
    slab_.push_back(std::move(m));
    return static_cast<std::uint32_t>(slab_.size() - 1);
  }
  const std::uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  slab_[slot] = std::move(m);
  return slot;
}

Message Swarm::take_message(std::uint32_t slot) {
  Message m = std::move(slab_[slot]);
  slab_[slot] = Leave{};
  free_slots_.push_back(slot);
  return m;
}

void Swarm::produce() {
  const StreamParams& p = scenario_.stream;
  auto chunk = std::make_shared<Chunk>();
  chunk->header.seq = ChunkSeq{next_seq_};
  chunk->header.group = GroupId{next_seq_ / p.chunks_per_group};
  chunk->header.keyframe = next_seq_ % p.chunks_per_group == 0;
  chunk->header.capture_us = now_us_ + nodes_[0].clock_offset_us;
  chunk->payload = payload_;
  ++next_seq_;
  summary_.stream_bytes += payload_->size();
  feed(0, Input{local(nodes_[0]), in::Produce{std::move(chunk)}});
  queue_.push(now_us_ + p.chunk_duration.count(), EventType::kProduce, 0);
}

void Swarm::feed(std::uint32_t node, Input input) {
  nodes_[node].engine->handle_input(std::move(input));
  drain(node);
}

void Swarm::record_window(std::int64_t t_us, bool on_time) {
  const auto w = static_cast<std::size_t>(std::max<std::int64_t>(0, t_us) / static_cast<std::int64_t>(kWindowS * 1e6));
  if (w >= summary_.continuity_series.size()) return;
  ++summary_.continuity_series[w].due;
  if (on_time) ++summary_.continuity_series[w].on_time;
}

void Swarm::drain(std::uint32_t index) {
  Node& n = nodes_[index];
  for (;;) {
    Output o = n.engine->poll_output();
    if (trace_) trace_(static_cast<double>(now_us_) / 1e6, index, o);
    if (auto* w = std::get_if<out::WakeAt>(&o)) {
      if (w->at == kNever) {
        n.wants_wake_us = INT64_MAX;
        return;
      }
      std::int64_t t = us_of(w->at) - n.clock_offset_us;
      if (t <= now_us_) t = now_us_ + 1000;  // an engine that asks for "now" again still advances
      n.wants_wake_us = t;
      if (t < n.wake_at_us || n.wake_at_us <= now_us_) {
        n.wake_at_us = t;
        queue_.push(t, EventType::kWake, index);
      }
      return;
    }
    if (auto* tx = std::get_if<out::Transmit>(&o)) {
      const std::uint64_t size = wire::wire_size(tx->message);
      const std::uint64_t media = wire::payload_bytes(tx->message);
      n.upload_bytes += size;
      summary_.control_bytes += size - media;
      if (index == 0) summary_.source_upload_bytes += size;
      const std::uint32_t to = index_of(tx->to);
      if (to >= nodes_.size()) continue;
      const std::int64_t sent = network_.transmit(n.host, now_us_, size);
      const std::int64_t arrive = sent + network_.one_way_us(n.host, nodes_[to].host);
      queue_.push(arrive, EventType::kMessage, to, index, put_message(std::move(tx->message)));
    } else if (auto* c = std::get_if<out::Connect>(&o)) {
      const std::uint32_t to = index_of(c->peer);
      if (to >= nodes_.size()) continue;
      const Host& a = n.host;
      const Host& b = nodes_[to].host;
      if (nodes_[to].alive && can_connect(a.nat, b.nat)) {
        // ICE checks, DTLS and SCTP setup: about two round trips.
        const std::int64_t up = now_us_ + 2 * network_.rtt_us(a, b);
        queue_.push(up, EventType::kConnected, index, to);
        queue_.push(up + network_.one_way_us(a, b), EventType::kConnected, to, index);
      } else {
        queue_.push(now_us_ + static_cast<std::int64_t>(scenario_.ice_timeout_s * 1e6),
                    EventType::kConnectFailed, index, to);
      }
    } else if (auto* d = std::get_if<out::Disconnect>(&o)) {
      const std::uint32_t to = index_of(d->peer);
      if (to < nodes_.size())
        queue_.push(now_us_ + network_.one_way_us(n.host, nodes_[to].host), EventType::kDisconnected, to, index);
    } else if (auto* del = std::get_if<out::Deliver>(&o)) {
      const std::int64_t play_us = us_of(del->play_at) - n.clock_offset_us;
      const std::int64_t capture_us = del->chunk->header.capture_us - nodes_[0].clock_offset_us;
      const bool late = now_us_ > play_us;
      if (late) ++summary_.late_plays;
      else ++summary_.chunks_on_time;
      ++summary_.chunks_due;
      summary_.latency_ms.add((play_us - capture_us) / 1000);
      record_window(play_us, !late);
    } else if (auto* ev = std::get_if<out::Event>(&o)) {
      switch (ev->kind) {
        case out::EventKind::kPlaybackStarted:
          summary_.startup_ms.push_back(static_cast<double>(ev->value.count()) / 1000.0);
          break;
        case out::EventKind::kChunkSkipped:
          ++summary_.chunks_due;
          record_window(now_us_, false);
          break;
        case out::EventKind::kParentSwitched: ++summary_.parent_switches; break;
        case out::EventKind::kRepairRequested: ++summary_.repairs_requested; break;
        case out::EventKind::kResynced: ++summary_.resyncs; break;
        case out::EventKind::kConnectFailed: ++summary_.connect_failures; break;
        case out::EventKind::kProtocolViolation:
        case out::EventKind::kForgedChunk:
        case out::EventKind::kPeerBanned: break;
      }
    }
  }
}

void Swarm::dispatch(const Event& e) {
  Node& n = nodes_[e.node];
  if (e.type == EventType::kProduce) {
    produce();
    return;
  }
  if (e.type == EventType::kJoin) {
    n.alive = true;
    n.joined_us = now_us_;
    ++summary_.joins;
    feed(e.node, Input{local(n), in::Start{}});
    return;
  }
  if (!n.alive) {
    if (e.type == EventType::kMessage) take_message(e.slot);
    return;
  }
  switch (e.type) {
    case EventType::kWake:
      if (e.t_us != n.wake_at_us) return;  // superseded by an earlier wake
      n.wake_at_us = INT64_MAX;
      if (n.wants_wake_us > e.t_us) {
        // The engine has since asked for a later time: wait for that without waking it. Most
        // timers (e.g. "this stripe is quiet") are pushed back by traffic before they are due.
        if (n.wants_wake_us != INT64_MAX) {
          n.wake_at_us = n.wants_wake_us;
          queue_.push(n.wake_at_us, EventType::kWake, e.node);
        }
        return;
      }
      ++summary_.wakes;
      feed(e.node, Input{local(n), in::Tick{}});
      break;
    case EventType::kMessage:
      ++summary_.messages;
      feed(e.node, Input{local(n), in::Received{id_of(e.other), take_message(e.slot)}});
      break;
    case EventType::kConnected:
      if (nodes_[e.other].alive) feed(e.node, Input{local(n), in::Connected{id_of(e.other)}});
      else feed(e.node, Input{local(n), in::ConnectFailed{id_of(e.other)}});
      break;
    case EventType::kConnectFailed:
      feed(e.node, Input{local(n), in::ConnectFailed{id_of(e.other)}});
      break;
    case EventType::kDisconnected:
      feed(e.node, Input{local(n), in::Disconnected{id_of(e.other)}});
      break;
    case EventType::kDepart:
      depart(e.node);
      spawn(now_us_);  // arrivals keep the audience steady
      break;
    default:
      break;
  }
}

void Swarm::retire(std::uint32_t index) {
  Node& n = nodes_[index];
  const TrafficCounters& t = n.engine->accounting().total();
  summary_.media_bytes_useful += t.media_down_useful;
  summary_.media_bytes_duplicate += t.media_down_duplicate;
  const std::int64_t lived = now_us_ - n.joined_us;
  if (index != 0 && lived >= kMinSessionForUploadStatUs) {
    const double stream_bytes = scenario_.stream.bitrate_bps / 8.0 * (static_cast<double>(lived) / 1e6);
    summary_.peer_upload_x.push_back(static_cast<double>(n.upload_bytes) / stream_bytes);
  }
}

void Swarm::depart(std::uint32_t index) {
  Node& n = nodes_[index];
  if (!n.alive || index == 0) return;
  retire(index);
  n.alive = false;
  n.engine.reset();  // frees its buffers; a departed peer leaves nothing behind
  ++summary_.departures;
}

void Swarm::run_until(double t_s) {
  const std::int64_t until = std::min(end_us_, static_cast<std::int64_t>(t_s * 1e6));
  while (!queue_.empty() && queue_.top().t_us <= until) {
    const Event e = queue_.pop();
    now_us_ = e.t_us;
    dispatch(e);
  }
  now_us_ = std::max(now_us_, until);
}

RunSummary Swarm::finish() {
  if (finished_) return summary_;
  finished_ = true;
  std::vector<std::uint64_t> depth(1, 0);
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    if (!n.alive) continue;
    retire(i);
    if (i == 0) continue;
    const EngineStatus st = n.engine->status();
    if (!st.joined || st.active_upstreams == 0) continue;
    if (depth.size() <= st.max_depth) depth.resize(st.max_depth + 1, 0);
    ++depth[st.max_depth];
    summary_.max_depth = std::max<std::uint32_t>(summary_.max_depth, st.max_depth);
  }
  summary_.depth_histogram = depth;
  return summary_;
}

RunSummary Swarm::run(const std::function<void(double)>& progress) {
  const auto wall_start = std::chrono::steady_clock::now();
  for (double t = 1; t < scenario_.duration_s + 1; t += 1) {
    run_until(std::min(t, scenario_.duration_s));
    if (progress) progress(std::min(t, scenario_.duration_s));
  }
  RunSummary s = finish();
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  summary_.wall_s = s.wall_s;
  return s;
}

}  // namespace potok::sim
