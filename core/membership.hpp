// The bootstrap's view of the swarm: for every stripe, which relays have room for a child and
// which are full, ordered by depth (then delay), so a joiner is placed as near the source as
// the swarm allows, and a strong relay is shown the full parents whose weakest child it would
// displace (SplitStream's push-down, which keeps the trees ordered by capacity).
//
// Peers report every few seconds and sooner when their offer changes; an entry nobody refreshed
// for a while is forgotten when met. Each relay handed out for a stripe holds one of its
// reported places there on lease, for about as long as a joiner takes to subscribe: a flash
// crowd of a hundred joiners a second arrives between two reports, and without the leases
// they would all herd onto the few shallowest relays and be refused. An answer costs
// O(stripes · log n) at any swarm size; a report or a lease moves an entry only in the stripes
// where its place changed.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/messages.hpp"
#include "core/time.hpp"

namespace potok {

class Membership {
 public:
  Membership(Duration expiry, Duration lease, std::uint8_t stripe_count)
      : expiry_(expiry), lease_(lease), room_(stripe_count), full_(stripe_count) {}

  void joined(PeerId peer, const JoinRequest& join, Instant now);
  void reported(PeerId peer, const Report& report, Instant now);
  void left(PeerId peer);
  std::size_t size() const { return entries_.size(); }

  struct Asker {
    PeerId peer;
    NatClass nat = NatClass::kOpen;
    NetCoord coord;
    std::uint16_t capacity_slots = 0;
  };
  // What the bootstrap knows of `peer` (an Asker with peer == {} if nothing).
  Asker describe(PeerId peer) const;

  // Up to `count` candidates in the stripes of `wanted`, shallowest first, NAT-compatible with
  // the asker; each candidate's `stripes` says in which stripes it would take the asker.
  std::vector<CandidateInfo> candidates_for(const Asker& asker, int count, Instant now,
                                            StripeMask wanted = ~StripeMask{0});

 private:
  using Key = std::tuple<std::uint8_t, std::uint16_t, PeerId>;  // depth, delay, peer
  using Index = std::set<Key>;
  struct Entry {
    NatClass nat = NatClass::kOpen;
    NetCoord coord;
    std::uint16_t capacity_slots = 0;
    std::uint16_t spare_slots = 0;
    Instant last_seen;
    std::vector<StripeOffer> stripes;
    std::vector<std::uint8_t> leased;  // per stripe: places handed out and not yet lapsed
    // Per stripe: where the entry sits in room_ or full_ (end() of room_ if in neither), so that
    // the thousands of reports a second do not each search the sets to take it out.
    std::vector<Index::iterator> indexed;
    std::vector<bool> in_room;
    std::uint8_t room_left(std::size_t stripe) const {
      const std::uint8_t held = stripe < leased.size() ? leased[stripe] : 0;
      return stripes[stripe].room > held ? static_cast<std::uint8_t>(stripes[stripe].room - held) : 0;
    }
  };
  struct Lease {
    Instant until;
    PeerId peer;
    std::uint8_t stripe = 0;
  };
  static Key key_of(PeerId peer, const StripeOffer& o) { return {o.depth, o.delay_ms, peer}; }
  // Puts the entry where it belongs in stripe s (room_, full_ or neither), if it moved.
  void place(PeerId peer, Entry& entry, std::size_t s);
  void unindex(Entry& entry);
  bool usable(PeerId peer, const Asker& asker, Instant now);
  void lease(PeerId peer, std::size_t stripe, Instant now);
  void expire_leases(Instant now);

  Duration expiry_;
  Duration lease_;
  std::deque<Lease> leases_;  // oldest first: every lease lasts the same
  std::unordered_map<PeerId, Entry> entries_;
  std::vector<Index> room_;  // per stripe: relays that can take a child
  std::vector<Index> full_;  // per stripe: relays that receive it but are full
};

}  // namespace potok
