// Parity for guards only (StreamParams::parity_guards, docs/parity.md). A relay near the top of
// some stripe's tree takes the parity stripe as well: when one of its parents leaves, it rebuilds
// that stripe from the other four and its subtree goes on receiving it. Everyone else receives
// the data stripes alone, as without parity, and pays nothing for it.
#include <algorithm>

#include "core/engine.hpp"

namespace potok {

bool Engine::guards_subtree() const {
  for (std::uint8_t s = 0; s < params_.data_stripes() && s < stripes_.size(); ++s) {
    const StripeUpstream& up = stripes_[s];
    // Where we were before a loss counts too: that is when our subtree needs us most.
    const std::uint8_t depth = up.depth != 0 ? up.depth : up.depth_before_loss;
    if (depth != 0 && depth <= config_.tuning.parity_guard_depth && !downstream_.children(StripeIndex{s}).empty())
      return true;
  }
  return false;
}

std::uint16_t Engine::parity_quota() const {
  // Enough places that the parity tree among the guards stays a few hops deep, few enough
  // that the data stripes keep nearly all of a guard's upload.
  const std::uint16_t capacity = downstream_.capacity();
  if (capacity == 0) return 0;
  // The source: one place, once every data stripe has one of its own.
  if (is_source()) return capacity > params_.data_stripes() ? 1 : 0;
  return takes_parity_stripe() ? std::max<std::uint16_t>(1, capacity / 8) : 0;
}

void Engine::update_parity_wish() {
  if (!params_.parity_guards || is_source() || join_state_ != JoinState::kJoined || stripes_.empty()) return;
  if (guards_subtree()) guard_until_ = now_ + config_.tuning.parity_guard_hold;
  const bool want = now_ < guard_until_;
  StripeUpstream& up = stripes_.back();
  if (want == takes_parity_stripe()) return;
  StripeUpstream fresh;
  fresh.state = want ? StripeUpstream::State::kNone : StripeUpstream::State::kOff;
  if (!want) {
    // Our parity children, if any, find the silence and another parent, as for any stall.
    const StripeMask bit = StripeMask{1} << (stripes_.size() - 1);
    if (up.state != StripeUpstream::State::kNone) {
      send(up.parent, Unsubscribe{bit});
      remember_former_parent(fresh, up.parent);
    }
    if (up.moving_to != PeerId{}) {
      send(up.moving_to, Unsubscribe{bit});
      remember_former_parent(fresh, up.moving_to);
    }
  }
  up = fresh;
  downstream_.set_last_stripe_quota(parity_quota());
  if (want) choose_parents();
}

}  // namespace potok
