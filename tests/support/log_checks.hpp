// Small readings of a MiniSwarm's logs, shared by the engine tests.
#pragma once

#include <algorithm>
#include <string>

#include "tests/support/mini_swarm.hpp"

namespace potok::mini {

inline Instant at_s(double s) { return Instant{} + Duration{static_cast<Duration::rep>(s * 1e6)}; }
inline std::string name_of(PeerId p) { return "peer " + std::to_string(p.value); }

// Of the chunks from the first one shown at or after `from` to the last one shown, the share
// that was shown. 0 if nothing was shown since `from`.
inline double continuity(const NodeLog& log, Instant from) {
  const auto& d = log.deliveries;
  const auto first = std::find_if(d.begin(), d.end(), [&](const Delivery& x) { return x.at >= from; });
  if (first == d.end()) return 0;
  const double span = static_cast<double>(d.back().seq.value - first->seq.value + 1);
  return static_cast<double>(d.end() - first) / span;
}


// Played until (nearly) the end: the last chunk was shown within a second of `end`.
inline bool plays_at(const NodeLog& log, Instant end) {
  return !log.deliveries.empty() && log.deliveries.back().at >= end - ms(1000);
}

}  // namespace potok::mini
