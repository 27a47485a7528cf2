#include "core/vivaldi.hpp"

#include <cmath>

namespace potok {

namespace {
constexpr double kErrorWeight = 0.25;  // ce in the paper
constexpr double kStep = 0.25;         // cc in the paper
constexpr double kMaxPlausibleRttMs = 10'000;
constexpr double kMinHeightMs = 0.1;
}  // namespace

double predicted_rtt_ms(const NetCoord& a, const NetCoord& b) {
  const double dx = a.x - b.x, dy = a.y - b.y;
  return std::sqrt(dx * dx + dy * dy) + a.height + b.height;
}

void Vivaldi::observe(double rtt_ms, const NetCoord& remote) {
  if (!(rtt_ms > 0) || rtt_ms > kMaxPlausibleRttMs) return;
  if (!std::isfinite(remote.x) || !std::isfinite(remote.y) || !std::isfinite(remote.height)) return;
  if (std::fabs(remote.x) > 1e5 || std::fabs(remote.y) > 1e5 || remote.height < 0 || remote.height > 1e4)
    return;

  const double predicted = predicted_rtt_ms(coord_, remote);
  const double sample_error = std::fabs(predicted - rtt_ms) / rtt_ms;
  const double weight = 1.0;  // remote error is not on the wire; trust our own error alone
  error_ = sample_error * kErrorWeight * weight + error_ * (1 - kErrorWeight * weight);
  const double delta = kStep * weight * (rtt_ms - predicted);

  double dx = coord_.x - remote.x, dy = coord_.y - remote.y;
  double norm = std::sqrt(dx * dx + dy * dy);
  if (norm < 1e-6) {
    // Coincident points: push in a direction derived from the sample so two fresh nodes part.
    dx = std::cos(rtt_ms);
    dy = std::sin(rtt_ms);
    norm = 1.0;
  }
  const double planar = std::sqrt(dx * dx + dy * dy) + coord_.height + remote.height;
  const double height_share = planar > 0 ? (coord_.height + remote.height) / planar : 0.5;
  coord_.x += static_cast<float>(delta * (1 - height_share) * dx / norm);
  coord_.y += static_cast<float>(delta * (1 - height_share) * dy / norm);
  coord_.height = static_cast<float>(std::max(kMinHeightMs, coord_.height + delta * height_share * 0.5));
}

}  // namespace potok
