// The bootstrap's view of the swarm: who is in it, how far behind the source each peer plays,
// who has room for children, and who would make room for a stronger relay. It answers joiners
// with a handful of good upstream candidates.
//
// Peers report every few seconds, and sooner when their offer changes; an entry nobody refreshed
// for three report intervals is gone. Each answer is the best of a fresh random sample, so a
// burst of joiners spreads over many parents instead of herding onto the single best one, and
// sampling keeps an answer O(1) at any swarm size.
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <unordered_map>
#include <vector>

#include "core/messages.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"

namespace potok {

class Membership {
 public:
  explicit Membership(Duration expiry) : expiry_(expiry) {}

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

  // Up to `count` candidates, best expected delay first, NAT-compatible with the asker: peers
  // with room in some stripe, and, for an asker that relays, full peers whose weakest child it
  // would displace.
  std::vector<CandidateInfo> candidates_for(const Asker& asker, int count, Instant now, Rng& rng);

 private:
  struct Entry {
    CandidateInfo info;  // as handed out when it has room (stripes = its open stripes)
    StripeMask relaying = 0;
    std::uint16_t weakest_child = 0xFFFF;
    std::uint16_t capacity_slots = 0;
    Instant last_seen;
    std::size_t spare_index = SIZE_MAX;  // position in with_spare_
    std::size_t all_index = SIZE_MAX;    // position in all_
  };
  void list(PeerId peer, Entry& entry);
  void unlist(Entry& entry);
  void unlist_from(std::vector<PeerId>& items, std::size_t Entry::*index, Entry& entry);
  bool expired(PeerId peer, Instant now);

  Duration expiry_;
  std::unordered_map<PeerId, Entry> entries_;
  // Both sampled uniformly at random; each entry knows its position, for O(1) removal.
  std::vector<PeerId> with_spare_;
  std::vector<PeerId> all_;
  // Relays nearest the source first: where a climbing relay looks for a parent to displace a
  // weaker child of. Random samples of a large swarm would almost never contain them.
  std::set<std::pair<std::uint32_t, PeerId>> relays_by_delay_;
};

}  // namespace potok
