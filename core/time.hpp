// Engine time. The engine never reads a clock: every input carries `now`, and outputs say when
// to be woken. Both are points on this clock, in microseconds since an arbitrary epoch that the
// driver chooses (the simulator starts at 0; native and browser drivers use their monotonic
// clocks).
#pragma once

#include <chrono>
#include <cstdint>

namespace potok {

struct EngineClock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<EngineClock>;
  static constexpr bool is_steady = true;
};

using Duration = EngineClock::duration;
using Instant = EngineClock::time_point;

constexpr Instant at_us(std::int64_t us) { return Instant{Duration{us}}; }
constexpr std::int64_t us_of(Instant t) { return t.time_since_epoch().count(); }
constexpr std::int64_t us_of(Duration d) { return d.count(); }
constexpr Duration ms(std::int64_t v) { return Duration{v * 1000}; }
constexpr Duration us(std::int64_t v) { return Duration{v}; }
constexpr double seconds_of(Duration d) { return static_cast<double>(d.count()) / 1e6; }

inline constexpr Instant kNever = Instant{Duration{INT64_MAX}};
// Drivers' clocks may be anywhere, negative included; "long ago" must still be before them and
// leave room for subtraction.
inline constexpr Instant kLongAgo = Instant{Duration{INT64_MIN / 4}};

}  // namespace potok
