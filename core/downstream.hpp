// The children a peer pushes stripes to, and the slot budget that bounds them.
//
// A slot is one stripe to one child (bitrate / stripe_count of upload). Each stripe may take an
// equal share of the slots, so the stripes every joiner asks for first cannot starve the others.
// When the slots do not divide evenly, the extra ones go to stripes starting at a per-peer
// rotation, so that across the swarm no stripe is short of relays.
//
// When a stripe's share is full and a stronger relay asks, the weakest child is evicted and
// pointed at the newcomer, which has just arrived with room to spare: this is how strong relays
// rise towards the source and leaves sink to the edge (SplitStream's push-down). The evicted
// child keeps receiving for a grace period, until it has moved (make before break), so neither
// it nor its subtree sees a gap. For climbers, only a few at once: a strong relay near the
// source is asked by climbers all the time, and one that evicted for each stronger one fed up
// to 30 children beyond its slots, more than its uplink carried, and its queue grew to 40 s.
// Joiners are not held to that: a flash crowd sorts itself by capacity through them, and
// bounding them too cost continuity (performance.md, session 19).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/ids.hpp"
#include "core/messages.hpp"
#include "core/time.hpp"

namespace potok {

struct ChildLink {
  PeerId peer;
  std::uint16_t capacity_slots = 0;
  Instant leaving_since = kNever;  // evicted, still fed until it moves or the grace ends
  bool leaving() const { return leaving_since != kNever; }
};

class Downstream {
 public:
  explicit Downstream(std::uint8_t stripe_count = 0) { reset(stripe_count, 0); }

  // `max_leaving`: evicted children fed at once, on top of the capacity. Each takes a slot's
  // upload until it moves, so they must fit in what the slots leave of the uplink.
  void reset(std::uint8_t stripe_count, std::uint16_t capacity_slots, std::uint8_t rotation = 0,
             std::uint16_t max_leaving = 1);
  std::uint16_t capacity() const { return capacity_; }
  std::uint16_t used() const { return used_; }  // children that stay; leaving ones not counted
  std::uint16_t fed() const { return used_ + leaving_; }  // every child we still push to
  std::uint16_t spare() const { return used_ >= capacity_ ? 0 : capacity_ - used_; }
  // Children `stripe` may take: capacity / stripes, plus one for the first (capacity mod
  // stripes) stripes counted from the rotation. The quotas add up to the capacity.
  std::uint16_t stripe_quota(StripeIndex stripe) const;
  // The last stripe gets exactly `slots` of the capacity, the others share the rest as above
  // (the parity stripe, when only guards take it: docs/parity.md). Unset: all stripes share.
  void set_last_stripe_quota(std::optional<std::uint16_t> slots) { last_quota_ = slots; }
  bool has_room(StripeIndex stripe) const { return room(stripe) > 0; }
  // How many more children `stripe` can take: what is left of its quota and of the capacity.
  std::uint16_t room(StripeIndex stripe) const;
  // Stripes among `relayable` that can take one more child.
  StripeMask open_stripes(StripeMask relayable) const;
  // The capacity of the weakest staying child in a full stripe among `relayable` (0xFFFF if
  // none is full): a newcomer stronger than that would get in by displacing it.
  std::uint16_t weakest_in_full(StripeMask relayable) const;

  enum class Admission { kAccepted, kAlreadyChild, kPreempted, kFull };
  struct AdmitResult {
    Admission admission = Admission::kFull;
    PeerId evicted{};
  };
  // Admits `peer` to `stripe`, evicting a strictly weaker child if that is the only way in. A
  // `settled` newcomer (one that has a place in the tree already and wants a better one) may
  // evict only while fewer than max_leaving children are still being fed after an eviction.
  AdmitResult admit(StripeIndex stripe, PeerId peer, std::uint16_t peer_capacity, Instant now,
                    bool settled = false);

  void remove(StripeIndex stripe, PeerId peer);
  // Drops `peer` from every stripe; returns the stripes it had.
  StripeMask remove_everywhere(PeerId peer);
  // Drops evicted children whose grace has run out.
  void expire_leaving(Instant now, Duration grace);
  Instant next_expiry(Duration grace) const;
  bool has_child(StripeIndex stripe, PeerId peer) const;
  // Strongest relays first, so a FIFO uplink reaches the largest subtrees soonest.
  const std::vector<ChildLink>& children(StripeIndex stripe) const { return by_stripe_[stripe.value]; }
  std::uint8_t stripe_count() const { return static_cast<std::uint8_t>(by_stripe_.size()); }

 private:
  std::size_t staying(StripeIndex stripe) const;
  void insert_sorted(StripeIndex stripe, ChildLink link);

  std::vector<std::vector<ChildLink>> by_stripe_;
  std::uint16_t capacity_ = 0;
  std::uint16_t used_ = 0;
  std::uint16_t leaving_ = 0;  // children evicted and still fed; most of the time none
  std::uint16_t max_leaving_ = 1;
  std::uint8_t rotation_ = 0;
  std::optional<std::uint16_t> last_quota_;
};

}  // namespace potok
