#include "core/membership.hpp"

#include <algorithm>

#include "core/vivaldi.hpp"

namespace potok {

namespace {
constexpr int kSampleFactor = 6;  // look at this many random entries per candidate returned
}

void Membership::unlist_from(std::vector<PeerId>& items, std::size_t Entry::*index, Entry& entry) {
  const std::size_t idx = entry.*index;
  if (idx == SIZE_MAX) return;
  const PeerId moved = items.back();
  items[idx] = moved;
  items.pop_back();
  if (idx < items.size()) entries_[moved].*index = idx;
  entry.*index = SIZE_MAX;
}

void Membership::unlist(Entry& entry) {
  unlist_from(with_spare_, &Entry::spare_index, entry);
  unlist_from(all_, &Entry::all_index, entry);
  relays_by_delay_.erase({entry.info.delay_ms, entry.info.peer});
}

void Membership::list(PeerId peer, Entry& entry) {
  if (entry.all_index == SIZE_MAX) {
    entry.all_index = all_.size();
    all_.push_back(peer);
  }
  const bool has_room = entry.info.spare_slots > 0 && entry.info.stripes != 0;
  if (has_room && entry.spare_index == SIZE_MAX) {
    entry.spare_index = with_spare_.size();
    with_spare_.push_back(peer);
  } else if (!has_room) {
    unlist_from(with_spare_, &Entry::spare_index, entry);
  }
}

void Membership::joined(PeerId peer, const JoinRequest& join, Instant now) {
  Entry& e = entries_[peer];
  relays_by_delay_.erase({e.info.delay_ms, peer});
  e.info = CandidateInfo{};
  e.info.peer = peer;
  e.info.nat = join.nat;
  e.info.coord = join.coord;
  e.capacity_slots = join.capacity_slots;
  e.relaying = 0;  // it relays nothing until it receives something; its report will say
  e.weakest_child = 0xFFFF;
  e.last_seen = now;
  list(peer, e);
}

void Membership::reported(PeerId peer, const Report& report, Instant now) {
  if (!entries_.count(peer)) joined(peer, JoinRequest{report.capacity_slots, NatClass::kOpen, report.coord}, now);
  Entry& e = entries_[peer];
  relays_by_delay_.erase({e.info.delay_ms, peer});
  if (report.relaying != 0 && report.capacity_slots > 0) relays_by_delay_.insert({report.delay_ms, peer});
  e.info.delay_ms = report.delay_ms;
  e.info.depth = report.depth;
  e.info.stripes = report.stripes;
  e.info.spare_slots = report.stripes ? report.spare_slots : 0;
  e.info.coord = report.coord;
  e.capacity_slots = report.capacity_slots;
  e.relaying = report.relaying;
  e.weakest_child = report.weakest_child;
  e.last_seen = now;
  list(peer, e);
}

void Membership::left(PeerId peer) {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return;
  unlist(it->second);
  entries_.erase(it);
}

Membership::Asker Membership::describe(PeerId peer) const {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return Asker{};
  return Asker{peer, it->second.info.nat, it->second.info.coord, it->second.capacity_slots};
}

bool Membership::expired(PeerId peer, Instant now) {
  auto it = entries_.find(peer);
  if (it == entries_.end()) return true;
  if (now - it->second.last_seen <= expiry_) return false;
  unlist(it->second);  // lazily forget the silent
  entries_.erase(it);
  return true;
}

std::vector<CandidateInfo> Membership::candidates_for(const Asker& asker, int count, Instant now,
                                                      Rng& rng) {
  std::vector<CandidateInfo> picked;
  if (count <= 0) return picked;
  auto consider = [&](PeerId peer, bool displacing) {
    if (expired(peer, now) || peer == asker.peer) return;
    const Entry& e = entries_[peer];
    if (!can_connect(asker.nat, e.info.nat)) return;
    if (std::any_of(picked.begin(), picked.end(), [&](const CandidateInfo& c) { return c.peer == peer; })) return;
    CandidateInfo c = e.info;
    if (displacing) {
      if (e.relaying == 0 || e.weakest_child >= asker.capacity_slots) return;
      c.stripes = e.relaying;  // full, but it would make room for this asker
      c.spare_slots = 1;
    }
    picked.push_back(c);
  };
  const std::size_t samples = static_cast<std::size_t>(count) * kSampleFactor;
  for (std::size_t i = 0; i < samples && !with_spare_.empty(); ++i) consider(with_spare_[rng.below(with_spare_.size())], false);
  if (asker.capacity_slots > 0) {
    std::size_t looked = 0;
    for (auto it = relays_by_delay_.begin(); it != relays_by_delay_.end() && looked < samples; ++looked) {
      const PeerId peer = (it++)->second;  // advance first: consider() may forget this entry
      consider(peer, true);
    }
    for (std::size_t i = 0; i < samples && !all_.empty(); ++i) consider(all_[rng.below(all_.size())], true);
  }
  // Best expected delay through each candidate: its own delay plus half the predicted RTT.
  auto expected = [&](const CandidateInfo& c) {
    return static_cast<double>(c.delay_ms) + predicted_rtt_ms(asker.coord, c.coord) / 2;
  };
  std::sort(picked.begin(), picked.end(), [&](const CandidateInfo& a, const CandidateInfo& b) {
    const double ea = expected(a), eb = expected(b);
    return ea != eb ? ea < eb : a.peer < b.peer;
  });
  if (picked.size() > static_cast<std::size_t>(count)) picked.resize(count);
  return picked;
}

}  // namespace potok
