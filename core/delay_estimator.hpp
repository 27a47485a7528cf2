// Smoothed mean and deviation of a delay, as TCP estimates RTT (RFC 6298): cheap, and the
// deviation term gives a jitter margin without keeping samples.
#pragma once

#include "core/time.hpp"

namespace potok {

class DelayEstimator {
 public:
  void add(Duration sample) {
    const double x = static_cast<double>(sample.count());
    if (!primed_) {
      mean_ = x;
      // A thirty-second, not RFC 6298's half: the first live chunk sets the start delay, so a
      // wide first margin is waited out by every joiner (an eighth was ~140 ms at a typical
      // 1.1 s; a sixteenth, until session 28, made 10k startups 30-55 ms later), while later
      // samples widen it within a few chunks where the path really jitters.
      dev_ = x / 32;
      primed_ = true;
      return;
    }
    const double err = x - mean_;
    mean_ += err / 8;
    dev_ += ((err < 0 ? -err : err) - dev_) / 4;
  }
  bool primed() const { return primed_; }
  Duration mean() const { return Duration{static_cast<Duration::rep>(mean_)}; }
  Duration deviation() const { return Duration{static_cast<Duration::rep>(dev_)}; }
  // A delay that covers most samples: mean + 3 deviations.
  Duration upper() const { return Duration{static_cast<Duration::rep>(mean_ + 3 * dev_)}; }
  void reset() { primed_ = false; }

 private:
  double mean_ = 0;
  double dev_ = 0;
  bool primed_ = false;
};

}  // namespace potok
