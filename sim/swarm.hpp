// Driver 1: N engines in virtual time. Deterministic for a scenario and seed: one event queue,
// ties broken by insertion order, every random draw from seeded generators.
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
  explicit Swarm(Scenario scenario);
  ~Swarm();

  // Runs to the scenario's duration. `progress` (may be empty) is called with simulated seconds.
  RunSummary run(const std::function<void(double)>& progress = {});

  // For scenario tests: run until `t_s` of simulated time, then inspect or intervene.
  void run_until(double t_s);
  void depart(std::uint32_t node);  // abrupt, as a crashed browser tab
  std::uint32_t source_index() const { return 0; }
  std::size_t node_count() const { return nodes_.size(); }
  const Engine* engine(std::uint32_t node) const { return nodes_[node].engine.get(); }
  bool alive(std::uint32_t node) const { return nodes_[node].alive; }
  const RunSummary& summary() const { return summary_; }
  RunSummary finish();
  // Sees every output of every engine, with simulated seconds; for debugging and tests.
  using Trace = std::function<void(double t_s, std::uint32_t node, const Output& output)>;
  void set_trace(Trace trace) { trace_ = std::move(trace); }

 private:
  struct Node {
    std::unique_ptr<Engine> engine;
    Host host;
    bool alive = false;
    std::int64_t clock_offset_us = 0;
    std::int64_t wake_at_us = INT64_MAX;  // the earliest wake event still queued
    std::int64_t wants_wake_us = INT64_MAX;  // what the engine last asked for
    std::int64_t joined_us = 0;
    std::uint64_t upload_bytes = 0;
  };

  void schedule_initial();
  void spawn(std::int64_t at_us);
  void dispatch(const Event& e);
  void feed(std::uint32_t node, Input input);
  void drain(std::uint32_t node);
  void produce();
  void retire(std::uint32_t node);
  Instant local(const Node& n) const { return at_us(now_us_ + n.clock_offset_us); }
  std::uint32_t index_of(PeerId id) const { return static_cast<std::uint32_t>(id.value - 1); }
  static PeerId id_of(std::uint32_t index) { return PeerId{index + 1ULL}; }
  std::uint32_t put_message(Message&& m);
  Message take_message(std::uint32_t slot);
  void record_window(std::int64_t t_us, bool on_time);

  Scenario scenario_;
  Network network_;
  Rng rng_;
  EventQueue queue_;
  std::vector<Node> nodes_;
  std::vector<Message> slab_;
  std::vector<std::uint32_t> free_slots_;
  std::int64_t now_us_ = 0;
  std::int64_t end_us_ = 0;
  std::uint64_t next_seq_ = 0;
  std::shared_ptr<const Bytes> payload_;
  RunSummary summary_;
  bool finished_ = false;
  Trace trace_;
};

}  // namespace potok::sim
