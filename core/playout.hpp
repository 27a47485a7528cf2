// When each chunk is shown. A peer plays at a delay D behind the source: chunk n is shown at
// capture(n) + D on the source clock. A chunk that is not here by then is skipped, never shown
// late. D follows a target (the slowest stripe's arrival delay plus margins) at a bounded slew,
// which the browser realises as a playbackRate between 0.80 (falling behind is what loses
// chunks, so D grows fast) and 1.09 (catching up, within the [0.9, 1.1] that the browser
// player steers in: web/player/live_player.js).
#pragma once

#include <cstdint>

#include "core/ids.hpp"
#include "core/time.hpp"

namespace potok {

// Maps the source's wall clock (chunk capture times) to this peer's clock.
struct SourceClock {
  bool known = false;
  std::int64_t offset_us = 0;  // source = local + offset

  Instant to_local(std::int64_t source_us) const { return at_us(source_us - offset_us); }
  std::int64_t to_source(Instant local) const { return us_of(local) + offset_us; }
};

class Playout {
 public:
  explicit Playout(Duration chunk_duration) : chunk_duration_(chunk_duration) {}

  bool started() const { return started_; }
  ChunkSeq next() const { return next_; }
  Duration delay() const { return delay_; }
  Duration target() const { return target_; }
  int skip_streak() const { return skip_streak_; }

  void start(ChunkSeq first, Duration delay) {
    started_ = true;
    next_ = first;
    delay_ = target_ = delay;
    skip_streak_ = 0;
  }
  void stop() { started_ = false; }
  // Past a parity chunk: nothing to show, and not a skip.
  void pass() { next_ = potok::next(next_); }
  void steer(Duration target) { target_ = target; }

  Instant deadline(std::int64_t capture_source_us, const SourceClock& clock) const {
    return clock.to_local(capture_source_us) + delay_;
  }
  // The head chunk was shown (or skipped): move on, and let D drift one step toward its target.
  void advance(bool skipped) {
    next_ = potok::next(next_);
    skip_streak_ = skipped ? skip_streak_ + 1 : 0;
    // Down by a twelfth: every spike of the target (a new parent, a slow stripe) raises D within
    // a few chunks, and D then stays above a target that has fallen again until it catches up.
    // At a twentieth (playbackRate 1.05) that took 50 ms a second, and in the standard run's
    // flash crowd almost half of the samples of 3 s or more had D 500 ms or more above target.
    const Duration max_up = chunk_duration_ / 4, max_down = chunk_duration_ / 12;
    if (target_ > delay_) delay_ += std::min(max_up, target_ - delay_);
    if (target_ < delay_) delay_ -= std::min(max_down, delay_ - target_);
  }

 private:
  Duration chunk_duration_;
  bool started_ = false;
  ChunkSeq next_{};
  Duration delay_{};
  Duration target_{};
  int skip_streak_ = 0;
};

}  // namespace potok
