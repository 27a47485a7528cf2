#include "core/downstream.hpp"

#include <algorithm>

namespace potok {

void Downstream::reset(std::uint8_t stripe_count, std::uint16_t capacity_slots,
                       std::uint8_t rotation, std::uint16_t max_leaving) {
  by_stripe_.assign(stripe_count, {});
  rotation_ = stripe_count ? static_cast<std::uint8_t>(rotation % stripe_count) : 0;
  last_quota_.reset();
  capacity_ = capacity_slots;
  used_ = 0;
  leaving_ = 0;
  max_leaving_ = max_leaving;
}

std::size_t Downstream::staying(StripeIndex stripe) const {
  const auto& list = by_stripe_[stripe.value];
  if (leaving_ == 0) return list.size();  // the common case, asked after nearly every input
  return static_cast<std::size_t>(
      std::count_if(list.begin(), list.end(), [](const ChildLink& c) { return !c.leaving(); }));
}

std::uint16_t Downstream::stripe_quota(StripeIndex stripe) const {
  std::size_t n = by_stripe_.size();
  if (n == 0 || stripe.value >= n) return 0;
  std::uint16_t shared = capacity_;
  if (last_quota_ && n > 1) {
    const std::uint16_t last = std::min(*last_quota_, capacity_);
    if (stripe.value == n - 1) return last;
    shared = static_cast<std::uint16_t>(capacity_ - last);
    --n;
  }
  const std::size_t position = (stripe.value + n - rotation_ % n) % n;
  return static_cast<std::uint16_t>(shared / n + (position < shared % n ? 1 : 0));
}

std::uint16_t Downstream::room(StripeIndex stripe) const {
  if (used_ >= capacity_ || stripe.value >= by_stripe_.size()) return 0;
  const std::size_t quota = stripe_quota(stripe), taken = staying(stripe);
  if (taken >= quota) return 0;
  return static_cast<std::uint16_t>(std::min<std::size_t>(quota - taken, capacity_ - used_));
}

bool Downstream::has_child(StripeIndex stripe, PeerId peer) const {
  if (stripe.value >= by_stripe_.size()) return false;
  const auto& list = by_stripe_[stripe.value];
  return std::any_of(list.begin(), list.end(), [&](const ChildLink& c) { return c.peer == peer; });
}

void Downstream::insert_sorted(StripeIndex stripe, ChildLink link) {
  auto& list = by_stripe_[stripe.value];
  auto pos = std::find_if(list.begin(), list.end(),
                          [&](const ChildLink& c) { return c.capacity_slots < link.capacity_slots; });
  list.insert(pos, link);
  ++used_;
}

StripeMask Downstream::open_stripes(StripeMask relayable) const {
  StripeMask open = 0;
  for (std::size_t s = 0; s < by_stripe_.size() && s < 32; ++s)
    if ((relayable & (StripeMask{1} << s)) && has_room(StripeIndex{static_cast<std::uint8_t>(s)}))
      open |= StripeMask{1} << s;
  return open;
}

std::uint16_t Downstream::weakest_in_full(StripeMask relayable) const {
  std::uint16_t weakest = 0xFFFF;
  for (std::size_t s = 0; s < by_stripe_.size() && s < 32; ++s) {
    const StripeIndex stripe{static_cast<std::uint8_t>(s)};
    if (!(relayable & (StripeMask{1} << s)) || has_room(stripe)) continue;
    for (const ChildLink& c : by_stripe_[s])
      if (!c.leaving()) weakest = std::min(weakest, c.capacity_slots);
  }
  return weakest;
}

Downstream::AdmitResult Downstream::admit(StripeIndex stripe, PeerId peer,
                                          std::uint16_t peer_capacity, Instant now, bool settled) {
  AdmitResult result;
  if (stripe.value >= by_stripe_.size()) return result;
  auto& list = by_stripe_[stripe.value];
  auto existing = std::find_if(list.begin(), list.end(), [&](const ChildLink& c) { return c.peer == peer; });
  if (existing != list.end()) {
    if (existing->leaving()) return result;  // it was moved on; it must not come straight back
    result.admission = Admission::kAlreadyChild;
    return result;
  }
  if (has_room(stripe)) {
    insert_sorted(stripe, {peer, peer_capacity, kNever});
    result.admission = Admission::kAccepted;
    return result;
  }
  // Full: the weakest staying child of this stripe makes room, if the newcomer is stronger.
  // Strictly stronger, so two equals never chase each other around.
  auto weakest = std::find_if(list.rbegin(), list.rend(), [](const ChildLink& c) { return !c.leaving(); });
  if (weakest == list.rend() || weakest->capacity_slots >= peer_capacity) return result;
  if (settled && leaving_ >= max_leaving_) return result;
  weakest->leaving_since = now;
  --used_;
  ++leaving_;
  result.admission = Admission::kPreempted;
  result.evicted = weakest->peer;
  insert_sorted(stripe, {peer, peer_capacity, kNever});
  return result;
}

void Downstream::remove(StripeIndex stripe, PeerId peer) {
  if (stripe.value >= by_stripe_.size()) return;
  auto& list = by_stripe_[stripe.value];
  auto it = std::find_if(list.begin(), list.end(), [&](const ChildLink& c) { return c.peer == peer; });
  if (it == list.end()) return;
  (it->leaving() ? leaving_ : used_) -= 1;
  list.erase(it);
}

StripeMask Downstream::remove_everywhere(PeerId peer) {
  StripeMask had = 0;
  for (std::size_t s = 0; s < by_stripe_.size(); ++s) {
    const StripeIndex stripe{static_cast<std::uint8_t>(s)};
    if (has_child(stripe, peer)) {
      remove(stripe, peer);
      had |= StripeMask{1} << s;
    }
  }
  return had;
}

void Downstream::expire_leaving(Instant now, Duration grace) {
  if (leaving_ == 0) return;
  for (auto& list : by_stripe_) {
    const auto gone = std::remove_if(list.begin(), list.end(), [&](const ChildLink& c) {
      return c.leaving() && now - c.leaving_since >= grace;
    });
    leaving_ -= static_cast<std::uint16_t>(list.end() - gone);
    list.erase(gone, list.end());
  }
}

Instant Downstream::next_expiry(Duration grace) const {
  Instant next = kNever;
  if (leaving_ == 0) return next;
  for (const auto& list : by_stripe_)
    for (const ChildLink& c : list)
      if (c.leaving()) next = std::min(next, c.leaving_since + grace);
  return next;
}

}  // namespace potok
