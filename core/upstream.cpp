#include "core/upstream.hpp"

#include <algorithm>

#include "core/vivaldi.hpp"

namespace potok {

namespace {
constexpr double kSameParentPenaltyMs = 60;  // per stripe already taken from that parent
}

void CandidatePool::offer(const CandidateInfo& info, Instant now) {
  if (Candidate* known = pool_.find(info.peer)) {
    known->info = info;
    known->heard_at = now;
    return;
  }
  if (pool_.size() >= limit_) {
    // Forget the least useful candidate we are not probing: one with no room first, then the
    // one with the worst reported delay.
    auto badness = [](const Candidate& c) {
      return c.info.spare_slots == 0 ? 1e12 : static_cast<double>(c.info.delay_ms);
    };
    const Candidate* worst = nullptr;
    for (const auto& [peer, c] : pool_) {
      if (c.probing) continue;
      if (!worst || badness(c) > badness(*worst) || (badness(c) == badness(*worst) && peer > worst->info.peer))
        worst = &c;
    }
    if (!worst || badness(*worst) <= static_cast<double>(info.delay_ms)) return;
    pool_.erase(worst->info.peer);
  }
  Candidate& added = *pool_.try_emplace(info.peer).first;
  added.info = info;
  added.heard_at = now;
}

const Candidate* CandidatePool::find(PeerId peer) const { return pool_.find(peer); }

Candidate* CandidatePool::find(PeerId peer) { return pool_.find(peer); }

double expected_delay_ms(const Candidate& c, const NetCoord& self_coord, Duration chunk_transfer) {
  const double rtt = c.rtt_ms >= 0 ? c.rtt_ms : predicted_rtt_ms(self_coord, c.info.coord);
  return c.info.delay_ms + rtt / 2 + static_cast<double>(chunk_transfer.count()) / 1000.0;
}

std::vector<Assignment> choose_upstreams(CandidatePool& pool, const ChoiceInputs& in) {
  std::vector<Assignment> result;
  const auto& stripes = *in.stripes;
  auto assignment_for = [&](PeerId p) -> Assignment& {
    for (auto& a : result)
      if (a.parent == p) return a;
    result.push_back({p, 0});
    return result.back();
  };

  // The usable candidates and their expected delays, once: this runs on every change while a
  // stripe has no parent, and the pool can be large.
  struct Option {
    Candidate* candidate;
    double delay_ms;
    int stripes_taken;  // stripes we already receive from it, or are about to
  };
  std::vector<Option> options;
  for (auto& [peer, c] : pool.all()) {
    if (c.info.spare_slots == 0 || in.now < c.unusable_until || c.heard_at < in.stale_before ||
        !can_connect(in.self_nat, c.info.nat))
      continue;
    int taken = 0;
    for (const auto& s : stripes)
      if (s.state != StripeUpstream::State::kNone && s.parent == peer) ++taken;
    options.push_back({&c, expected_delay_ms(c, in.self_coord, in.chunk_transfer), taken});
  }
  for (std::size_t s = 0; s < stripes.size(); ++s) {
    if (stripes[s].state != StripeUpstream::State::kNone) continue;
    const std::uint8_t depth_limit = stripes[s].depth_before_loss;
    Option* best = nullptr;
    double best_score = 0;
    bool best_respects_depth = false;
    for (Option& option : options) {
      const CandidateInfo& c = option.candidate->info;
      if (c.spare_slots == 0 || !(c.stripes & (StripeMask{1} << s))) continue;
      const bool respects_depth = depth_limit == 0 || c.depth <= depth_limit;
      const double score = option.delay_ms + kSameParentPenaltyMs * option.stripes_taken;
      // A candidate that cannot be our descendant always beats one that might be.
      if (!best || (respects_depth && !best_respects_depth) ||
          (respects_depth == best_respects_depth &&
           (score < best_score || (score == best_score && c.peer < best->candidate->info.peer)))) {
        best = &option;
        best_score = score;
        best_respects_depth = respects_depth;
      }
    }
    if (!best) continue;
    ++best->stripes_taken;
    --best->candidate->info.spare_slots;
    assignment_for(best->candidate->info.peer).stripes |= StripeMask{1} << s;
  }
  return result;
}

}  // namespace potok
