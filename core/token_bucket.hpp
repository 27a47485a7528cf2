// A byte budget that refills at a rate and saves up at most a burst: how the engine keeps
// answers, repairs and backfill from taking upload its children need.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/time.hpp"

namespace potok {

class TokenBucket {
 public:
  // Adds what `rate_Bps` earned since the last call, capped at `burst` bytes; then takes
  // `bytes` if that much is there. The rate and burst may change between calls (a relay's
  // spare upload does), so they are arguments, not state.
  bool take(Instant now, double rate_Bps, double burst, std::uint64_t bytes) {
    if (!affords(now, rate_Bps, burst, bytes)) return false;
    spend(bytes);
    return true;
  }
  // For a spender that knows only an upper bound before it commits: check that, then spend
  // what it really cost.
  bool affords(Instant now, double rate_Bps, double burst, std::uint64_t bytes) {
    refill(now, rate_Bps, burst);
    return tokens_ >= static_cast<double>(bytes);
  }
  void spend(std::uint64_t bytes) { tokens_ = std::max(0.0, tokens_ - static_cast<double>(bytes)); }
  // Starts empty at `now`: nothing is owed for the time before.
  void reset(Instant now) {
    tokens_ = 0;
    at_ = now;
  }

  double tokens() const { return tokens_; }

 private:
  void refill(Instant now, double rate_Bps, double burst) {
    const double elapsed_s = at_ == kLongAgo ? 1e9 : seconds_of(now - at_);
    at_ = now;
    tokens_ = std::min(burst, tokens_ + rate_Bps * std::max(0.0, elapsed_s));
  }

  double tokens_ = 0;
  Instant at_ = kLongAgo;
};

}  // namespace potok
