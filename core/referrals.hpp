// What a parent knows of its children's own room, so that a refusal can point the refused
// peer somewhere that may take it.
//
// A full relay's children sit one hop below it in the same trees, and many of them have room.
// Under churn the bootstrap cannot answer every peer that lost a parent (its list budget is a
// fixed share of the source's upload), and the lists it sends go stale within seconds while a
// subtree looks for parents at once. So children send their parents the Report they send the
// bootstrap, and a refusal (SubscribeAck) names a few children with room in the refused
// stripes: the classic walk down a full tree, one round trip per level.
#pragma once

#include <cstdint>
#include <vector>

#include "core/downstream.hpp"
#include "core/messages.hpp"
#include "core/peer_map.hpp"

namespace potok {

class ChildOffers {
 public:
  // A child subscribed: its NAT decides whom we may refer to it.
  void subscribed(PeerId child, NatClass nat);
  // A child's Report. Ignored for peers that are not (or no longer) our children.
  void reported(PeerId child, const Report& report);
  // Children of `stripe` (strongest first, as Downstream keeps them) that reported room there
  // and that a peer behind `asker_nat` can connect to, at most `max`, excluding `asker`. Each one
  // referred holds one of its reported places until its next report, so two refused peers are
  // not sent to the same last place.
  void refer(StripeIndex stripe, const Downstream& children, PeerId asker, NatClass asker_nat,
             std::size_t max, std::vector<CandidateInfo>& out);
  // The NAT a child subscribed with; null for a peer that is not our child.
  const NatClass* nat_of(PeerId child) const {
    const Offer* offer = offers_.find(child);
    return offer ? &offer->nat : nullptr;
  }
  // Forgets peers that are no longer children in any stripe.
  void prune(const Downstream& children);

 private:
  struct Offer {
    NatClass nat = NatClass::kOpen;
    NetCoord coord;
    std::vector<StripeOffer> stripes;  // empty until the child's first report
  };
  PeerMap<Offer> offers_;
};

}  // namespace potok
