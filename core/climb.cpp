// Climbing: a relay with settled parents periodically asks the bootstrap for a shallower place
// in its slowest stripe and moves there, make before break, if that saves enough delay.
#include <algorithm>

#include "core/engine.hpp"

namespace potok {

namespace {
constexpr std::uint16_t kClimbCandidates = 2;
}  // namespace

void Engine::maybe_start_climb() {
  if (now_ < next_climb_at_ || downstream_.capacity() == 0) return;
  next_climb_at_ = now_ + config_.tuning.climb_interval;
  // Busy finding parents: climbing can wait a round. A climb query the bootstrap had no budget
  // for is simply given up.
  if (query_outstanding_ && !(climbing_ && now_ - last_query_at_ >= config_.tuning.climb_interval)) return;
  query_outstanding_ = climbing_ = false;
  const bool settled = std::all_of(stripes_.begin(), stripes_.end(), [](const StripeUpstream& u) {
    return u.state == StripeUpstream::State::kOff ||
           (u.state == StripeUpstream::State::kActive && u.delay.primed() && u.moving_to == PeerId{});
  });
  const std::optional<StripeIndex> stripe = climb_stripe();
  if (!settled || !stripe) return;
  climbing_ = true;
  query_outstanding_ = true;
  last_query_at_ = now_;
  // Only the stripe that would climb, and the two best places in it: a sixth of the answer a
  // joiner gets, so the bootstrap can answer every relay's climb.
  send(config_.bootstrap, CandidateQuery{kClimbCandidates,
                                         StripeMask{1} << stripe->value, true});
}

std::optional<StripeIndex> Engine::climb_stripe() const {
  // The stripe we receive latest, if it is not already as near the source as can be.
  const StripeUpstream* worst = nullptr;
  std::uint8_t worst_index = 0;
  for (std::uint8_t s = 0; s < stripes_.size(); ++s) {
    const StripeUpstream& up = stripes_[s];
    if (up.state != StripeUpstream::State::kActive || !up.delay.primed() || up.moving_to != PeerId{}) continue;
    // A guard's parity only has to come before the stripe it stands in for goes missing.
    if (params_.parity_guards && params_.is_parity_stripe(StripeIndex{s})) continue;
    if (!worst || up.delay.mean() > worst->delay.mean()) {
      worst = &up;
      worst_index = s;
    }
  }
  if (!worst || worst->depth <= 1) return std::nullopt;
  return StripeIndex{worst_index};
}

void Engine::climb(const std::vector<CandidateInfo>& offered) {
  // Relays climb: the stripe we receive latest moves to a shallower parent that would take us
  // (it has room, or would displace a weaker child), if that saves enough delay. One stripe per
  // round, make before break, so the swarm reshapes itself gently into a capacity-ordered tree.
  // Only among the places the bootstrap has just offered: it knows which full relays have a
  // child weaker than us. An older candidate that looks shallow is usually full of relays as
  // strong as we are; 10x relays that picked from the whole pool asked one of those again every
  // round and were refused 94 % of the time (10k x 300 s, performance-history-21.md).
  const std::optional<StripeIndex> stripe = climb_stripe();
  if (!stripe) return;
  const std::uint8_t worst_index = stripe->value;
  StripeUpstream* worst = &stripes_[worst_index];
  const Candidate* best = nullptr;
  double best_ms = static_cast<double>(us_of(worst->delay.mean() - config_.tuning.climb_gain)) / 1000.0;
  for (const CandidateInfo& info : offered) {
    const Candidate* c = candidates_.find(info.peer);
    if (!c || info.peer == worst->parent || now_ < c->unusable_until || !can_connect(config_.nat, c->info.nat)) continue;
    if (!(c->info.stripes & (StripeMask{1} << worst_index)) || c->info.depth + 1 >= worst->depth) continue;
    const double e = expected_delay_ms(*c, vivaldi_.coord(), chunk_transfer_time());
    if (e < best_ms) {
      best_ms = e;
      best = c;
    }
  }
  if (!best) return;
  worst->moving_to = best->info.peer;
  // The new parent must be shallower than us: never our descendant, and never a step down.
  send(best->info.peer, subscription(StripeMask{1} << worst_index, static_cast<std::uint8_t>(worst->depth - 1)));
}

}  // namespace potok
