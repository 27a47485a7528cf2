// The swarm's population, its windows and threads, and its summary. What happens inside a
// window, event by event, is in sim/swarm_events.cpp.
#include "sim/swarm.hpp"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace potok::sim {

namespace {
constexpr std::int64_t kMinSessionForUploadStatUs = 10'000'000;

// The smallest one-way delay the map allows (network.cpp: half the base RTT plus both ends'
// access delays): nothing reaches another node sooner.
std::int64_t min_one_way_us(const Scenario& s) {
  const auto us = static_cast<std::int64_t>((s.min_rtt_ms / 2 + 2 * s.min_access_ms) * 1000);
  if (us < 1) throw std::invalid_argument("the simulator needs a positive minimum delay between nodes");
  return us;
}

void add_into(RunSummary& into, const RunSummary& from) {
  for (std::size_t ms = 0; ms < from.latency_ms.buckets().size(); ++ms)
    into.latency_ms.add_many(static_cast<std::int64_t>(ms), from.latency_ms.buckets()[ms]);
  into.startup_ms.insert(into.startup_ms.end(), from.startup_ms.begin(), from.startup_ms.end());
  into.chunks_due += from.chunks_due;
  into.chunks_on_time += from.chunks_on_time;
  into.late_plays += from.late_plays;
  if (into.continuity_series.size() < from.continuity_series.size())
    into.continuity_series.resize(from.continuity_series.size());
  for (std::size_t i = 0; i < from.continuity_series.size(); ++i) {
    into.continuity_series[i].t_s = from.continuity_series[i].t_s;
    into.continuity_series[i].due += from.continuity_series[i].due;
    into.continuity_series[i].on_time += from.continuity_series[i].on_time;
  }
  into.stream_bytes += from.stream_bytes;
  into.source_upload_bytes += from.source_upload_bytes;
  into.control_bytes += from.control_bytes;
  into.media_bytes_useful += from.media_bytes_useful;
  into.media_bytes_duplicate += from.media_bytes_duplicate;
  into.parity_bytes += from.parity_bytes;
  into.rebuilt_bytes += from.rebuilt_bytes;
  into.chunks_rebuilt += from.chunks_rebuilt;
  into.peer_upload_x.insert(into.peer_upload_x.end(), from.peer_upload_x.begin(), from.peer_upload_x.end());
  into.joins += from.joins;
  into.departures += from.departures;
  into.connect_failures += from.connect_failures;
  into.parent_switches += from.parent_switches;
  into.repairs_requested += from.repairs_requested;
  into.resyncs += from.resyncs;
  into.wakes += from.wakes;
  into.messages += from.messages;
}
}  // namespace

Swarm::Swarm(Scenario scenario, int threads)
    : scenario_(std::move(scenario)),
      network_(scenario_),
      rng_(scenario_.seed),
      threads_(std::clamp(threads, 1, 2)),
      lookahead_us_(min_one_way_us(scenario_)) {
  end_us_ = static_cast<std::int64_t>(scenario_.duration_s * 1e6);
  payload_ = std::make_shared<const Bytes>(scenario_.stream.chunk_bytes(), std::uint8_t{0});
  header_.peers = scenario_.peers;
  header_.duration_s = scenario_.duration_s;
  header_.bitrate_kbps = scenario_.stream.bitrate_bps / 1000;
  header_.seed = scenario_.seed;
  header_.churn = scenario_.churn;
  for (std::uint32_t i = 0; i < kPartitions; ++i) {
    Partition p;
    p.id = i;
    p.queue = EventQueue(i, kPartitions);
    p.tally.continuity_series.resize(static_cast<std::size_t>(scenario_.duration_s / kContinuityWindowS) + 1);
    for (std::size_t w = 0; w < p.tally.continuity_series.size(); ++w)
      p.tally.continuity_series[w].t_s = static_cast<double>(w) * kContinuityWindowS;
    parts_.push_back(std::move(p));
  }
  populate();
}

Swarm::~Swarm() = default;

void Swarm::populate() {
  Node source;
  source.host = network_.make_source(rng_);
  source.engine_seed = scenario_.seed;
  places_.push_back(Place{source.host, 0, INT64_MAX});
  source_clock_offset_us_ = source.clock_offset_us;
  nodes_.push_back(std::move(source));
  join(parts_[0], 0);
  parts_[0].queue.push(0, EventType::kProduce, 0);
  // Every viewer's whole life is drawn now, so that partitions never create nodes: with churn,
  // each initial viewer's seat is taken again by a newcomer whenever its occupant leaves.
  for (std::uint32_t i = 0; i < scenario_.peers; ++i)
    add_node(static_cast<std::int64_t>(rng_.uniform(0.5, scenario_.join_window_s) * 1e6), scenario_.churn);
}

void Swarm::add_node(std::int64_t join_us, bool churn_chain) {
  for (;;) {
    const auto index = static_cast<std::uint32_t>(nodes_.size());
    Node n;
    n.host = network_.make_peer(rng_);
    n.clock_offset_us = static_cast<std::int64_t>(rng_.uniform(-3600, 3600) * 1e6);
    n.engine_seed = rng_.next();
    Place place{n.host, join_us, INT64_MAX};
    if (churn_chain) place.depart_us = join_us + static_cast<std::int64_t>(rng_.exponential(scenario_.mean_session_s) * 1e6);
    nodes_.push_back(std::move(n));
    places_.push_back(place);
    EventQueue& q = parts_[owner(index)].queue;
    q.push(join_us, EventType::kJoin, index);
    if (!churn_chain) return;
    q.push(place.depart_us, EventType::kDepart, index);
    if (place.depart_us > end_us_) return;
    join_us = place.depart_us;  // arrivals keep the audience steady
  }
}

void Swarm::join(Partition& p, std::uint32_t index) {
  Node& n = nodes_[index];
  EngineConfig cfg;
  cfg.role = index == 0 ? Role::kSource : Role::kPeer;
  cfg.self = id_of(index);
  if (index == 0) {
    cfg.stream = scenario_.stream;
    cfg.upload_cap_bps = static_cast<std::uint64_t>(scenario_.source_budget_multiple * scenario_.stream.bitrate_bps);
  } else {
    cfg.bootstrap = id_of(0);
    cfg.upload_cap_bps = static_cast<std::uint64_t>(n.host.capacity_multiple * scenario_.stream.bitrate_bps);
    cfg.nat = n.host.nat;
  }
  cfg.seed = n.engine_seed;
  cfg.verify_chunks = false;  // simulated peers cannot forge; skip the driver round trip
  cfg.tuning = scenario_.tuning;
  n.engine = std::make_unique<Engine>(cfg);
  n.engine->accounting().set_per_peer(false);
  n.alive = true;
  if (index != 0) ++p.tally.joins;
  feed(p, index, Input{local(p, n), in::Start{}});
}

void Swarm::retire(Partition& p, std::uint32_t index) {
  Node& n = nodes_[index];
  const TrafficCounters& t = n.engine->accounting().total();
  // Parity is not media: the ratios stay per media byte, and a rebuilt chunk is media we got.
  p.tally.media_bytes_useful += t.media_down_useful - t.media_down_parity + t.media_rebuilt;
  p.tally.media_bytes_duplicate += t.media_down_duplicate;
  p.tally.parity_bytes += t.media_down_parity;
  p.tally.rebuilt_bytes += t.media_rebuilt;
  p.tally.chunks_rebuilt += t.chunks_rebuilt;
  const std::int64_t lived = p.now_us - places_[index].join_us;
  if (index != 0 && lived >= kMinSessionForUploadStatUs) {
    const double stream_bytes = scenario_.stream.bitrate_bps / 8.0 * (static_cast<double>(lived) / 1e6);
    p.tally.peer_upload_x.push_back(static_cast<double>(n.upload_bytes) / stream_bytes);
  }
}

void Swarm::depart(std::uint32_t index) {
  Node& n = nodes_[index];
  if (!n.alive || index == 0) return;
  Partition& p = parts_[owner(index)];
  retire(p, index);
  n.alive = false;
  places_[index].depart_us = std::min(places_[index].depart_us, p.now_us);
  n.engine.reset();  // frees its buffers; a departed peer leaves nothing behind
  ++p.tally.departures;
}

void Swarm::run_until(double t_s) {
  const std::int64_t until = std::min(end_us_, static_cast<std::int64_t>(t_s * 1e6));
  const int threads = trace_ ? 1 : threads_;
  // Windows [w, w + lookahead), the last one cut at `until` (events at `until` included).
  std::vector<std::int64_t> ends;
  for (std::int64_t w = next_window_us_; w <= until; w = ends.back())
    ends.push_back(std::min(w + lookahead_us_, until + 1));
  if (threads == 1) {
    for (const std::int64_t end : ends)
      for (Partition& p : parts_) run_window(p, end);
  } else {
    std::barrier sync(static_cast<std::ptrdiff_t>(kPartitions));
    auto worker = [&](Partition& p) {
      for (const std::int64_t end : ends) {
        run_window(p, end);
        sync.arrive_and_wait();  // both outboxes of this window are complete
      }
    };
    std::thread other(worker, std::ref(parts_[1]));
    worker(parts_[0]);
    other.join();
  }
  if (!ends.empty()) next_window_us_ = ends.back();
  for (Partition& p : parts_) p.now_us = std::max(p.now_us, until);
}

RunSummary Swarm::summary() const {
  RunSummary s = header_;
  for (const Partition& p : parts_) add_into(s, p.tally);
  return s;
}

RunSummary Swarm::finish() {
  if (finished_) return final_;
  finished_ = true;
  std::vector<std::uint64_t> depth(1, 0);
  std::uint32_t max_depth = 0;
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    if (!n.alive) continue;
    retire(parts_[owner(i)], i);
    if (i == 0) continue;
    const EngineStatus st = n.engine->status();
    if (!st.joined || st.active_upstreams == 0) continue;
    if (depth.size() <= st.max_depth) depth.resize(st.max_depth + 1, 0);
    ++depth[st.max_depth];
    max_depth = std::max<std::uint32_t>(max_depth, st.max_depth);
  }
  final_ = summary();
  final_.depth_histogram = depth;
  final_.max_depth = max_depth;
  return final_;
}

RunSummary Swarm::run(const std::function<void(double)>& progress) {
  const auto wall_start = std::chrono::steady_clock::now();
  for (double t = 1; t < scenario_.duration_s + 1; t += 1) {
    run_until(std::min(t, scenario_.duration_s));
    if (progress) progress(std::min(t, scenario_.duration_s));
  }
  RunSummary s = finish();
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  final_.wall_s = s.wall_s;
  return s;
}

}  // namespace potok::sim
