// What we have sent and our uplink has not yet carried, as a wait. The engine cannot see its
// transport's queue, but every byte it sends passes through `Engine::send`, and the access
// link, not the path, is what queues: a FIFO at the upload cap, as the simulator models it.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/time.hpp"

namespace potok {

class UplinkBacklog {
 public:
  // bps 0 (a leaf) models nothing: a leaf repairs and relays nothing.
  explicit UplinkBacklog(std::uint64_t bps = 0) : bps_(bps) {}

  void sent(Instant now, std::uint64_t bytes) {
    if (bps_ == 0) return;
    drained_at_ = std::max(drained_at_, now) + Duration{static_cast<Duration::rep>(bytes * 8'000'000 / bps_)};
  }
  // How long a byte handed over now waits behind what we sent before.
  Duration wait(Instant now) const { return drained_at_ > now ? drained_at_ - now : Duration{}; }

 private:
  std::uint64_t bps_;
  Instant drained_at_ = kLongAgo;  // drivers' clocks may start below zero
};

}  // namespace potok
