// The simulated Internet: where each node sits, how fast its uplink is, what NAT it is behind.
// Uplinks are FIFO queues at the node's capacity (the access link is the bottleneck); downlinks
// are not limited.
#pragma once

#include <cstdint>

#include "core/messages.hpp"
#include "core/rng.hpp"
#include "sim/scenario.hpp"

namespace potok::sim {

struct Host {
  float x = 0, y = 0;         // position on the map, in ms of RTT
  float access_ms = 0;        // one-way access delay
  NatClass nat = NatClass::kOpen;
  double capacity_multiple = 0;
  double uplink_bps = 0;
  std::int64_t uplink_free_us = 0;  // when the uplink queue drains
};

class Network {
 public:
  explicit Network(const Scenario& scenario) : scenario_(scenario) {}

  Host make_peer(Rng& rng) const;
  Host make_source(Rng& rng) const;
  std::int64_t one_way_us(const Host& a, const Host& b) const;
  std::int64_t rtt_us(const Host& a, const Host& b) const { return 2 * one_way_us(a, b); }
  // Puts `bytes` on a's uplink at `now`; returns when the last byte leaves.
  std::int64_t transmit(Host& a, std::int64_t now_us, std::uint64_t bytes) const;

 private:
  const Scenario& scenario_;
};

}  // namespace potok::sim
