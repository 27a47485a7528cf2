#include "sim/network.hpp"

#include <algorithm>
#include <cmath>

namespace potok::sim {

namespace {
// A square whose diagonal spans the RTT range: the farthest pair sees max_rtt_ms.
double map_side_ms(const Scenario& s) { return (s.max_rtt_ms - s.min_rtt_ms) / std::sqrt(2.0); }
}  // namespace

Host Network::make_peer(Rng& rng) const {
  Host h;
  const double side = map_side_ms(scenario_);
  h.x = static_cast<float>(rng.uniform(0, side));
  h.y = static_cast<float>(rng.uniform(0, side));
  h.access_ms = static_cast<float>(rng.uniform(scenario_.min_access_ms, scenario_.max_access_ms));

  const double nat_draw = rng.uniform();
  const double sym = scenario_.symmetric_nat_share, pr = scenario_.port_restricted_nat_share;
  if (nat_draw < sym) h.nat = NatClass::kSymmetric;
  else if (nat_draw < sym + pr) h.nat = NatClass::kPortRestricted;
  else if (nat_draw < sym + pr + (1 - sym - pr) / 2) h.nat = NatClass::kCone;
  else h.nat = NatClass::kOpen;

  double cap_draw = rng.uniform();
  h.capacity_multiple = scenario_.capacity.empty() ? 0 : scenario_.capacity.back().multiple;
  for (const CapacityShare& c : scenario_.capacity) {
    if (cap_draw < c.share) {
      h.capacity_multiple = c.multiple;
      break;
    }
    cap_draw -= c.share;
  }
  h.uplink_bps = std::max(h.capacity_multiple * scenario_.stream.bitrate_bps, scenario_.control_floor_bps);
  return h;
}

Host Network::make_source(Rng& rng) const {
  Host h = make_peer(rng);
  h.nat = NatClass::kOpen;
  h.capacity_multiple = scenario_.source_capacity_multiple;
  h.uplink_bps = h.capacity_multiple * scenario_.stream.bitrate_bps;
  return h;
}

std::int64_t Network::one_way_us(const Host& a, const Host& b) const {
  const double dx = a.x - b.x, dy = a.y - b.y;
  const double base_rtt_ms = scenario_.min_rtt_ms + std::sqrt(dx * dx + dy * dy);
  const double ms = base_rtt_ms / 2 + a.access_ms + b.access_ms;
  return static_cast<std::int64_t>(ms * 1000);
}

std::int64_t Network::transmit(Host& a, std::int64_t now_us, std::uint64_t bytes) const {
  const std::int64_t start = std::max(now_us, a.uplink_free_us);
  const std::int64_t duration = static_cast<std::int64_t>(static_cast<double>(bytes) * 8e6 / a.uplink_bps);
  a.uplink_free_us = start + duration;
  return a.uplink_free_us;
}

}  // namespace potok::sim
