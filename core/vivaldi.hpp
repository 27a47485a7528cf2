// Vivaldi network coordinates (Dabek et al., SIGCOMM 2004) with a height for the access link:
// a joiner estimates its RTT to every candidate from coordinates and probes only the promising
// few.
#pragma once

#include "core/messages.hpp"

namespace potok {

double predicted_rtt_ms(const NetCoord& a, const NetCoord& b);

class Vivaldi {
 public:
  const NetCoord& coord() const { return coord_; }
  double error() const { return error_; }
  // One RTT sample to a node that claims `remote`. Ignores absurd samples (a lying or broken
  // peer cannot fling our coordinate across the map).
  void observe(double rtt_ms, const NetCoord& remote);

 private:
  NetCoord coord_{};
  double error_ = 1.0;
};

}  // namespace potok
