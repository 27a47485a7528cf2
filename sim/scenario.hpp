// The simulated world. The defaults are the standard scenario of docs/performance.md; do not
// make them easier.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config.hpp"

namespace potok::sim {

struct CapacityShare {
  double share;     // fraction of peers
  double multiple;  // upload capacity as a multiple of the stream bitrate
};

struct Scenario {
  std::uint32_t peers = 10'000;
  double duration_s = 600;
  std::uint64_t seed = 1;
  bool churn = false;

  // 2.5 Mbps, 50 ms chunks, 1 s groups; 4 data stripes and a parity stripe for guards
  StreamParams stream = default_stream();
  std::vector<CapacityShare> capacity = {{0.20, 0}, {0.30, 1}, {0.35, 2}, {0.10, 4}, {0.05, 10}};
  double source_capacity_multiple = 4;
  // What the source lets the swarm take of its upload: the bound on source_upload_x.
  double source_budget_multiple = 2;

  // Delay: base RTT from positions on a world-sized map, plus access delay at each end.
  double min_rtt_ms = 10;
  double max_rtt_ms = 300;
  double min_access_ms = 5;
  double max_access_ms = 30;

  // NAT: the rest are split evenly between open and full/address-restricted cone.
  double symmetric_nat_share = 0.15;
  double port_restricted_nat_share = 0.35;

  double join_window_s = 60;       // every initial peer joins within this
  double mean_session_s = 300;     // with churn: exponential session lengths; arrivals keep N
  double ice_timeout_s = 3;        // a connect between incompatible NATs fails after this
  double control_floor_bps = 250'000;  // even a leaf can send control messages

  Tuning tuning{};
};

}  // namespace potok::sim
