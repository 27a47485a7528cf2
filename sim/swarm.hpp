// Driver 1: N engines in virtual time. Deterministic for a scenario and seed: every random draw
// from seeded generators, and events in a fixed order however many threads run them.
//
// Parallel, conservatively: the nodes are split into two partitions, each with its own event
// queue, run side by side in windows as long as the smallest one-way delay of the map (15 ms in
// the standard scenario). Nothing a node does reaches another node sooner than that, so what one
// partition sends the other during a window is due in a later window, and is handed over at the
// window's end. With one thread the partitions take turns, window by window: the same run.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/engine.hpp"
#include "sim/event_queue.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"
#include "sim/summary.hpp"

namespace potok::sim {

class Swarm {
 public:
  // threads: 1 or 2; the result does not depend on it.
  explicit Swarm(Scenario scenario, int threads = 2);
  ~Swarm();

  // Runs to the scenario's duration. `progress` (may be empty) is called with simulated seconds.
  RunSummary run(const std::function<void(double)>& progress = {});

  // For scenario tests: run until `t_s` of simulated time, then inspect or intervene.
  void run_until(double t_s);
  void depart(std::uint32_t node);  // abrupt, as a crashed browser tab
  std::uint32_t source_index() const { return 0; }
  std::size_t node_count() const { return nodes_.size(); }
  // Null before the node joined and after it left.
  const Engine* engine(std::uint32_t node) const { return nodes_[node].engine.get(); }
  bool alive(std::uint32_t node) const { return nodes_[node].alive; }
  RunSummary summary() const;
  RunSummary finish();
  // Sees every output of every engine, with simulated seconds; for debugging and tests. A traced
  // run uses one thread.
  using Trace = std::function<void(double t_s, std::uint32_t node, const Output& output)>;
  void set_trace(Trace trace) { trace_ = std::move(trace); }

 private:
  static constexpr std::uint32_t kPartitions = 2;
  static constexpr double kContinuityWindowS = 10;  // continuity series resolution
  struct Node {
    std::unique_ptr<Engine> engine;  // from its join until it leaves
    Host host;
    bool alive = false;
    std::uint64_t engine_seed = 0;
    std::int64_t clock_offset_us = 0;
    std::int64_t wake_at_us = INT64_MAX;  // the earliest wake event still queued
    std::int64_t wants_wake_us = INT64_MAX;  // what the engine last asked for
    std::uint64_t upload_bytes = 0;
  };
  // What other nodes read of a node while its partition runs: fixed before the run (departures
  // by depart() change between windows). Kept apart from Node, whose owner writes it all the time.
  struct Place {
    Host host;  // a copy; the node's own, in Node, has its uplink queue
    std::int64_t join_us = 0;
    std::int64_t depart_us = INT64_MAX;
  };
  // An event for a node of the other partition, with the message it carries.
  struct Handover {
    Event event;
    Message message;
  };
  // A share of the nodes with its own clock, queue and tallies. Only its own thread touches it,
  // and it reads of other nodes only what never changes (hosts, clocks, join and leave times).
  struct Partition {
    std::uint32_t id = 0;
    EventQueue queue;
    std::vector<Message> slab;  // messages in flight to this partition's nodes
    std::vector<std::uint32_t> free_slots;
    std::int64_t now_us = 0;
    RunSummary tally;  // counters and samples; merged by summary()
    std::vector<Handover> outbox[2];  // to the other partition, by window parity
    std::uint64_t window = 0;  // the window being run
    std::int64_t window_end_us = 0;
  };

  void populate();
  void add_node(std::int64_t join_us, bool churn_chain);
  // The source works for the whole swarm (about an eighth of a 10k run's work): its partition
  // takes fewer viewers, 21 of each 50.
  static std::uint32_t owner(std::uint32_t node) { return node == 0 || node % 50 < 21 ? 0 : 1; }
  bool alive_at(std::uint32_t node, std::int64_t t_us) const {
    return places_[node].join_us <= t_us && t_us < places_[node].depart_us;
  }
  void run_window(Partition& p, std::int64_t end_us);
  void take_handovers(Partition& p);
  void dispatch(Partition& p, const Event& e);
  void join(Partition& p, std::uint32_t node);
  void feed(Partition& p, std::uint32_t node, Input input);
  void drain(Partition& p, std::uint32_t node);
  void send_event(Partition& p, std::int64_t t_us, EventType type, std::uint32_t to, std::uint32_t from,
                  Message* message = nullptr);
  void record_delivery(Partition& p, const Node& n, const out::Deliver& del);
  void record_event(Partition& p, const out::Event& ev);
  void produce(Partition& p);
  void retire(Partition& p, std::uint32_t node);
  Instant local(const Partition& p, const Node& n) const { return at_us(p.now_us + n.clock_offset_us); }
  std::uint32_t index_of(PeerId id) const { return static_cast<std::uint32_t>(id.value - 1); }
  static PeerId id_of(std::uint32_t index) { return PeerId{index + 1ULL}; }
  static std::uint32_t put_message(Partition& p, Message&& m);
  static Message take_message(Partition& p, std::uint32_t slot);
  void record_window(Partition& p, std::int64_t t_us, bool on_time);

  Scenario scenario_;
  Network network_;
  Rng rng_;
  int threads_;
  std::int64_t lookahead_us_;
  std::vector<Node> nodes_;
  std::vector<Place> places_;
  std::int64_t source_clock_offset_us_ = 0;  // read by both partitions: not in the source's Node
  std::vector<Partition> parts_;
  std::int64_t end_us_ = 0;
  std::int64_t next_window_us_ = 0;
  std::uint64_t next_seq_ = 0;
  std::shared_ptr<const Bytes> payload_;
  std::vector<ChunkPtr> row_;  // --parity: the data chunks of the row being produced
  RunSummary header_;  // the scenario's fields of the summary
  bool finished_ = false;
  RunSummary final_;
  Trace trace_;
};

}  // namespace potok::sim
