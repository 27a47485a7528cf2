#include "core/membership.hpp"

#include <algorithm>
#include <map>

namespace potok {

namespace {
constexpr int kRoomPerStripe = 3;      // relays with room handed out per stripe
constexpr int kDisplacePerStripe = 2;  // full relays a strong asker could displace a child of
constexpr int kWalkLimit = 16;         // entries looked at per list, so stale ones cost little
constexpr int kPassLimit = 256;        // full relays passed over per stripe: no child weaker than the asker
constexpr int kHandoutPenaltyMs = 100; // a relay just handed out looks this much slower
}  // namespace

void Membership::place(PeerId peer, Entry& e, std::size_t s) {
  if (s >= room_.size() || s >= e.stripes.size()) return;
  const StripeOffer& o = e.stripes[s];
  // A relay whose every place is on lease is neither open nor displaceable until one lapses.
  Index* target = nullptr;
  if (e.capacity_slots > 0 && o.depth != 255) {
    if (e.room_left(s) > 0) target = &room_[s];
    else if (o.room == 0) target = &full_[s];
  }
  Index::iterator& at = e.indexed[s];
  Index* current = at == room_[s].end() ? nullptr : e.in_room[s] ? &room_[s] : &full_[s];
  const Key key = key_of(peer, o);
  // Most reports and leases leave an entry where it was: thousands a second, so they must not
  // each cost a search of the set (the bootstrap is one engine, on one thread).
  if (current == target && (!target || *at == key)) return;
  Index::iterator hint = target ? target->end() : Index::iterator{};
  if (current) {
    const Index::iterator next = current->erase(at);
    if (current == target) hint = next;
  }
  at = room_[s].end();
  e.in_room[s] = false;
  if (!target) return;
  at = target->insert(hint, key);
  e.in_room[s] = target == &room_[s];
}

void Membership::unindex(Entry& e) {
  for (std::size_t s = 0; s < e.indexed.size() && s < room_.size(); ++s) {
    if (e.indexed[s] == room_[s].end()) continue;
    (e.in_room[s] ? room_[s] : full_[s]).erase(e.indexed[s]);
  }
  e.indexed.clear();
  e.in_room.clear();
}

void Membership::joined(PeerId peer, const JoinRequest& join, Instant now) {
  Entry& e = entries_[peer];
  unindex(e);
  e = Entry{join.nat, join.coord, join.capacity_slots, 0, now, {}, {}, {}, {}};  // relays nothing yet
}

void Membership::reported(PeerId peer, const Report& report, Instant now) {
  Entry& e = entries_[peer];
  if (report.stripes.size() != e.stripes.size()) {  // a first report, or a changed stream: start over
    unindex(e);
    e.indexed.assign(report.stripes.size(), Index::iterator{});
    e.in_room.assign(report.stripes.size(), false);
    for (std::size_t s = 0; s < report.stripes.size() && s < room_.size(); ++s) e.indexed[s] = room_[s].end();
  }
  e.coord = report.coord;
  e.capacity_slots = report.capacity_slots;
  e.spare_slots = report.spare_slots;
  e.stripes = report.stripes;
  e.leased.resize(e.stripes.size(), 0);  // joiners still on their way are not in the report
  e.last_seen = now;
  for (std::size_t s = 0; s < e.stripes.size(); ++s) place(peer, e, s);
}

void Membership::left(PeerId peer) {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return;
  unindex(it->second);
  entries_.erase(it);
}

void Membership::lease(PeerId peer, std::size_t stripe, Instant now) {
  Entry& e = entries_[peer];
  if (stripe >= e.leased.size()) return;
  ++e.leased[stripe];
  // It also sinks behind its equals, so the next joiner is sent elsewhere first.
  StripeOffer& o = e.stripes[stripe];
  o.delay_ms = static_cast<std::uint16_t>(std::min(65535, o.delay_ms + kHandoutPenaltyMs));
  place(peer, e, stripe);
  leases_.push_back(Lease{now + lease_, peer, static_cast<std::uint8_t>(stripe)});
}

void Membership::expire_leases(Instant now) {
  while (!leases_.empty() && leases_.front().until <= now) {
    const Lease l = leases_.front();
    leases_.pop_front();
    auto it = entries_.find(l.peer);
    if (it == entries_.end() || l.stripe >= it->second.leased.size() || it->second.leased[l.stripe] == 0) continue;
    Entry& e = it->second;
    --e.leased[l.stripe];
    place(l.peer, e, l.stripe);
  }
}

Membership::Asker Membership::describe(PeerId peer) const {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return Asker{};
  return Asker{peer, it->second.nat, it->second.coord, it->second.capacity_slots};
}

bool Membership::usable(PeerId peer, const Asker& asker, Instant now) {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return false;
  if (now - it->second.last_seen > expiry_) {  // silent too long: forget it
    left(peer);
    return false;
  }
  return peer != asker.peer && can_connect(asker.nat, it->second.nat);
}

std::vector<CandidateInfo> Membership::candidates_for(const Asker& asker, int count, Instant now,
                                                      StripeMask wanted) {
  expire_leases(now);
  std::map<PeerId, CandidateInfo> chosen;
  auto choose = [&](PeerId peer, std::size_t s, const StripeOffer& o) {
    const Entry& e = entries_[peer];
    auto [it, fresh] = chosen.try_emplace(peer);
    CandidateInfo& c = it->second;
    if (fresh) {
      c = CandidateInfo{peer, o.delay_ms, o.depth, std::max<std::uint16_t>(1, e.spare_slots), 0, e.nat, e.coord};
    }
    c.delay_ms = std::min<std::uint32_t>(c.delay_ms, o.delay_ms);
    c.depth = std::min(c.depth, o.depth);
    c.stripes |= StripeMask{1} << s;
  };
  std::vector<PeerId> handed;
  for (std::size_t s = 0; s < room_.size(); ++s) {
    if (!(wanted & (StripeMask{1} << s))) continue;
    int taken = 0, walked = 0;
    std::uint8_t shallowest_room = 255;
    for (auto it = room_[s].begin(); it != room_[s].end() && taken < kRoomPerStripe && walked < kWalkLimit; ++walked) {
      const PeerId peer = std::get<2>(*it);
      const StripeOffer offer = entries_.count(peer) ? entries_[peer].stripes[s] : StripeOffer{};
      ++it;  // before usable(), which may forget the entry
      if (!usable(peer, asker, now)) continue;
      shallowest_room = std::min(shallowest_room, offer.depth);
      choose(peer, s, offer);
      handed.push_back(peer);
      ++taken;
    }
    for (PeerId peer : handed) lease(peer, s, now);
    handed.clear();
    if (asker.capacity_slots == 0) continue;
    taken = walked = 0;
    int passed = 0;
    for (auto it = full_[s].begin();
         it != full_[s].end() && taken < kDisplacePerStripe && walked < kWalkLimit && passed < kPassLimit;) {
      const PeerId peer = std::get<2>(*it);
      const StripeOffer offer = entries_.count(peer) ? entries_[peer].stripes[s] : StripeOffer{};
      ++it;
      if (offer.depth >= shallowest_room) break;  // no better than a parent with room
      // The top levels are full of relays whose children are as strong as they are: a strong
      // asker's places are a level or two further down, past more of them than the walk limit
      // (10x relays sat at depth 8 in some stripe while leaves held places at depth 4).
      // Passing one costs a comparison, so those have a much larger bound of their own.
      if (offer.weakest_child >= asker.capacity_slots) {
        ++passed;
        continue;
      }
      ++walked;
      if (!usable(peer, asker, now)) continue;
      choose(peer, s, offer);
      ++taken;
    }
  }
  std::vector<CandidateInfo> list;
  for (auto& [peer, c] : chosen) list.push_back(c);
  std::sort(list.begin(), list.end(), [](const CandidateInfo& a, const CandidateInfo& b) {
    return std::tie(a.depth, a.delay_ms, a.peer) < std::tie(b.depth, b.delay_ms, b.peer);
  });
  if (list.size() > static_cast<std::size_t>(count)) list.resize(count);
  return list;
}

}  // namespace potok
