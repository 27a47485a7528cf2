#include "core/referrals.hpp"

#include <algorithm>

namespace potok {

void ChildOffers::subscribed(PeerId child, NatClass nat) {
  offers_[child].nat = nat;
}

void ChildOffers::reported(PeerId child, const Report& report) {
  Offer* offer = offers_.find(child);
  if (!offer) return;
  offer->coord = report.coord;
  offer->stripes = report.stripes;
}

void ChildOffers::refer(StripeIndex stripe, const Downstream& children, PeerId asker,
                        NatClass asker_nat, std::size_t max, std::vector<CandidateInfo>& out) {
  if (stripe.value >= children.stripe_count()) return;
  std::size_t added = 0;
  for (const ChildLink& child : children.children(stripe)) {
    if (added >= max) return;
    if (child.peer == asker || child.leaving()) continue;
    Offer* offer = offers_.find(child.peer);
    if (!offer || stripe.value >= offer->stripes.size()) continue;
    StripeOffer& here = offer->stripes[stripe.value];
    if (here.room == 0 || here.depth == 255 || !can_connect(asker_nat, offer->nat)) continue;
    --here.room;
    const StripeMask bit = StripeMask{1} << stripe.value;
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const CandidateInfo& c) { return c.peer == child.peer; });
    if (same != out.end()) {
      same->stripes |= bit;
      continue;
    }
    CandidateInfo info;
    info.peer = child.peer;
    info.delay_ms = here.delay_ms;
    info.depth = here.depth;
    info.spare_slots = here.room + 1;
    info.stripes = bit;
    info.nat = offer->nat;
    info.coord = offer->coord;
    out.push_back(info);
    ++added;
  }
}

void ChildOffers::prune(const Downstream& children) {
  std::vector<PeerId> gone;
  for (const auto& [peer, offer] : offers_) {
    bool child = false;
    for (std::uint8_t s = 0; s < children.stripe_count() && !child; ++s)
      child = children.has_child(StripeIndex{s}, peer);
    if (!child) gone.push_back(peer);
  }
  for (PeerId peer : gone) offers_.erase(peer);
}

}  // namespace potok
