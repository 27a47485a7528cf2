// What every node (source or peer) does for others: accept children, push them stripes, answer
// repair requests and probes.
#include <algorithm>

#include "core/engine.hpp"
#include "core/wire.hpp"

namespace potok {

namespace {
// The backfill budget never saves up more than this many chunks, or this much of the spare upload
// if that is more: a burst adds at most this much queueing to our uplink. Twelve 50 ms chunks
// (six of 100 ms until session 32) bring a joiner a parent's share of its first group in one
// go: with two of 100 ms, the newer chunks were cut, and the joiner waited for the next
// keyframe to arrive live (docs/performance-history-27.md).
constexpr double kBackfillBurstChunks = 12;
constexpr double kBackfillBurstSeconds = 0.05;
}

std::uint8_t Engine::depth_of(StripeIndex stripe) const {
  if (is_source()) return 0;
  if (stripe.value >= stripes_.size()) return 255;
  const auto& up = stripes_[stripe.value];
  if (up.state != StripeUpstream::State::kActive) return 255;
  // A stalled stripe is as good as none: we cannot relay what we do not receive. A parent that
  // accepted us but has not pushed yet is fine: what it sends, we pass on.
  const Duration stripe_period = params_.stripe_period();
  if (now_ - up.last_arrival > stripe_period + config_.tuning.silence_grace) return 255;
  return up.depth == 0 ? 254 : up.depth;  // 254: depth not known yet, deeper than any real one
}

StripeMask Engine::relayable_stripes() const {
  // Relaying is per stripe: a peer still missing one stripe can feed the others, which is what
  // lets a young swarm grow before anyone has everything.
  const std::uint8_t n = is_source() ? params_.stripe_count : static_cast<std::uint8_t>(stripes_.size());
  StripeMask mask = 0;
  for (std::uint8_t s = 0; s < n && s < 32; ++s)
    if (depth_of(StripeIndex{s}) != 255) mask |= StripeMask{1} << s;
  return mask;
}

std::uint32_t Engine::reported_delay_ms() const {
  if (is_source()) return 0;
  Duration worst{};
  for (const auto& s : stripes_)
    if (s.delay.primed()) worst = std::max(worst, s.delay.mean());
  return static_cast<std::uint32_t>(std::max<std::int64_t>(0, worst.count() / 1000));
}

// Enough that most refused peers find a place below, few enough that a joiner refused in
// every stripe gets a short answer (with 4 stripes, at most 8 referrals: 184 bytes).
constexpr std::size_t kReferralsPerStripe = 2;

void Engine::on_subscribe(PeerId from, const Subscribe& sub) {
  SubscribeAck ack;
  if (!have_params_ || join_state_ == JoinState::kLeft) {
    ack.rejected = sub.stripes;
    send(from, ack);
    return;
  }
  for (std::uint8_t s = 0; s < params_.stripe_count; ++s) {
    const StripeMask bit = StripeMask{1} << s;
    if (!(sub.stripes & bit)) continue;
    const StripeIndex stripe{s};
    const std::uint8_t my_depth = depth_of(stripe);
    // We can only relay a stripe we receive, and a re-parenting peer must not adopt a node
    // below its old depth: that node could be its own descendant. One at its old depth cannot
    // be (descendants are deeper), and refusing those too kept a strong relay near the source
    // from its own level, where most of the places near the source are. Nor can one that has
    // had a newer chunk live from its parent than the subscriber ever had: live pushes only
    // travel down the tree.
    const bool too_deep = sub.depth != 0 && !is_source() && my_depth > sub.depth &&
                          !(sub.newest_live_seq != ChunkSeq{} && stripes_[s].newest_live > sub.newest_live_seq);
    // A leaf may hold several of the source's places: it takes nobody down with it, and a
    // browser viewer of a small stream has no other parent.
    const bool one_place = is_source() && params_.parity && sub.capacity_slots > 0;
    if (my_depth == 255 || too_deep || (one_place && holds_another_source_place(from, stripe, ack.accepted))) {
      ack.rejected |= bit;
      continue;
    }
    if (is_source() && sub.depth == kSourceGrandchildDepth) drop_silent_source_child(stripe);
    // A place one of our children left stays free for a while for the subtree it left behind,
    // whose top relays ask us first (lose_parent): a joiner or a climber that took it would
    // leave that whole share of the stripe to dissolve (docs/failure-handling.md).
    if (is_source() && (reserved_for_orphans() & bit)) {
      if (sub.depth != kSourceGrandchildDepth) {
        ack.rejected |= bit;
        continue;
      }
      orphan_places_[s] = OrphanPlace{kLongAgo, from, now_ + config_.tuning.orphan_reserve};
    }
    // A depth-limited subscription comes from a relay that climbs or re-parents: it has a
    // place in the tree (or had one), unlike a joiner or an evicted child on its way down.
    const auto result = downstream_.admit(stripe, from, sub.capacity_slots, now_, sub.depth != 0);
    switch (result.admission) {
      case Downstream::Admission::kAccepted:
      case Downstream::Admission::kAlreadyChild:
        ack.accepted |= bit;
        break;
      case Downstream::Admission::kPreempted: {
        ack.accepted |= bit;
        // The newcomer is the evicted child's new parent only if the two can connect: a move
        // that fails takes the ICE timeout (3 s), the whole grace, and the child loses the
        // stripe. The standard 10k run had 616 failed connects in 300 s; with this rule, none.
        // With no parent to suggest, the child looks for one at once.
        const NatClass* evicted_nat = child_offers_.nat_of(result.evicted);
        const bool reachable = !evicted_nat || can_connect(*evicted_nat, sub.nat);
        send(result.evicted, Evict{bit, reachable ? from : PeerId{}});
        break;
      }
      case Downstream::Admission::kFull:
        ack.rejected |= bit;
        child_offers_.refer(stripe, downstream_, from, sub.nat, kReferralsPerStripe, ack.referrals);
        if (is_source() && sub.depth == kSourceGrandchildDepth) refer_to_heir(stripe, from, sub.nat, ack);
        break;
    }
  }
  if (ack.accepted) child_offers_.subscribed(from, sub.nat);
  // Anything else in the mask names stripes that do not exist.
  const StripeMask valid = all_stripes();
  ack.rejected |= sub.stripes & ~valid;
  send(from, ack);

  // Backfill: what the child asked for that we already hold, oldest first, so it can start
  // (or continue) without waiting for the next live chunk.
  if (!ack.accepted || !seen_any_) return;
  // At most one group: enough to start at its keyframe, and it does not clog our uplink. (Two
  // let joiners start sooner, but in a scenario test the heir of a departed child of the source
  // failed to take its place more often: 5 of 40 seeds against 2; session 27.)
  const std::uint64_t window =
      params_.seq_span(std::min<std::uint64_t>(config_.tuning.backfill_limit, params_.chunks_per_group));
  std::uint64_t first = newest_seen_.value >= window ? newest_seen_.value - window + 1 : 0;
  first = std::max(first, sub.from_seq.value);
  for (std::uint64_t seq = first; seq <= newest_seen_.value; ++seq) {
    const StripeIndex stripe = params_.stripe_of(ChunkSeq{seq});
    if (!(ack.accepted & (StripeMask{1} << stripe.value))) continue;
    const ChunkPtr* chunk = buffer_.find(ChunkSeq{seq});
    if (!chunk) continue;
    ChunkData data{*chunk, static_cast<std::uint8_t>(depth_of(stripe) + 1), true};
    if (!take_backfill_budget(wire::wire_size(data))) break;  // the child will repair the rest
    send(from, std::move(data));
  }
}

bool Engine::holds_another_source_place(PeerId peer, StripeIndex stripe, StripeMask accepting) const {
  // Parity covers the loss of one stripe: a child of the source that carried two would take two
  // down when it left, and a 10x relay may otherwise hold three of the source's seven places.
  // (Without this rule, guards only, 10k x 200 s with churn, seeds 1-8: continuity 0.0054
  // lower, p99 600 ms longer.)
  if (accepting & ~(StripeMask{1} << stripe.value)) return true;
  for (std::uint8_t s = 0; s < downstream_.stripe_count(); ++s)
    if (s != stripe.value && downstream_.has_child(StripeIndex{s}, peer)) return true;
  return false;
}

void Engine::refer_to_heir(StripeIndex stripe, PeerId asker, NatClass asker_nat, SubscribeAck& ack) const {
  // Another top relay of the lost child's subtree took the place: say so, or the asker would
  // keep asking us, thinking we have not noticed the departure yet (on_subscribe_ack), instead
  // of looking for a deeper place that is ahead of it. Without room: it is named, not offered
  // (sent there, the asker lost a connection setup and a round trip to learn it was full).
  if (stripe.value >= orphan_places_.size()) return;
  const OrphanPlace& place = orphan_places_[stripe.value];
  if (now_ >= place.heir_until || place.heir == asker || !downstream_.has_child(stripe, place.heir)) return;
  const NatClass* heir_nat = child_offers_.nat_of(place.heir);
  if (!heir_nat || !can_connect(asker_nat, *heir_nat)) return;
  for (const CandidateInfo& c : ack.referrals)
    if (c.peer == place.heir) return;
  CandidateInfo heir;
  heir.peer = place.heir;
  heir.depth = 1;
  heir.stripes = StripeMask{1} << stripe.value;
  heir.nat = *heir_nat;
  ack.referrals.push_back(heir);
}

void Engine::on_unsubscribe(PeerId from, const Unsubscribe& unsub) {
  for (std::uint8_t s = 0; s < downstream_.stripe_count() && s < 32; ++s)
    if (unsub.stripes & (StripeMask{1} << s)) downstream_.remove(StripeIndex{s}, from);
}

void Engine::forward(const ChunkPtr& chunk, std::uint8_t hops, bool repair) {
  if (!have_params_) return;
  const StripeIndex stripe = params_.stripe_of(chunk->header.seq);
  for (const ChildLink& child : downstream_.children(stripe)) send(child.peer, ChunkData{chunk, hops, repair});
}

void Engine::reset_downstream(std::uint8_t rotation) {
  const double headroom = config_.tuning.slot_headroom;
  downstream_.reset(params_.stripe_count, capacity_slots(config_.upload_cap_bps, params_, headroom), rotation,
                    leaving_slots(config_.upload_cap_bps, params_, headroom));
  if (params_.parity_guards) downstream_.set_last_stripe_quota(parity_quota());
}

bool Engine::take_backfill_budget(std::uint64_t bytes) {
  // Backfill (and the source's repairs) may use only what our children do not, below the same
  // headroom that keeps our uplink queue short: a saturated FIFO uplink delays every child's
  // live chunks.
  // The source also keeps what it promised to the bootstrap's answers, which can spend all of it.
  const double bootstrap_bps = is_source() ? (config_.tuning.welcome_budget + config_.tuning.query_budget) *
                                                 static_cast<double>(params_.bitrate_bps)
                                           : 0.0;
  // Evicted children are fed until they move: their stripes are as committed as the others'.
  const double committed_bps = downstream_.fed() * params_.stripe_bps() + bootstrap_bps;
  const double usable_bps = static_cast<double>(config_.upload_cap_bps) * config_.tuning.slot_headroom;
  const double spare_Bps = std::max(0.0, usable_bps - committed_bps) / 8;
  const double cap = std::max(kBackfillBurstChunks * static_cast<double>(params_.chunk_bytes()),
                              kBackfillBurstSeconds * spare_Bps);
  return backfill_tokens_.take(now_, spare_Bps, cap, bytes);
}

bool Engine::affords_want_answer(std::uint64_t bytes) {
  // A repair saves a skip now, so it may use more than the slots leave over, as long as what
  // it adds to our FIFO uplink stays short: the live chunks behind it wait at most this long,
  // and the children's D has margins for that. Only the source keeps to its budget, which the
  // streamer set and its slots and bootstrap answers already spend.
  if (config_.upload_cap_bps == 0 || uplink_.wait(now_) > config_.tuning.repair_backlog) return false;
  return !is_source() || take_backfill_budget(bytes);
}

void Engine::on_want(PeerId from, const Want& want) {
  const ChunkPtr* chunk = buffer_.find(want.seq);
  if (!chunk || !have_params_ || !affords_want_answer(wire::wire_size(ChunkData{*chunk, 0, true}))) {
    send(from, NotHave{want.seq});
    return;
  }
  const StripeIndex stripe = params_.stripe_of(want.seq);
  const std::uint8_t d = depth_of(stripe);
  send(from, ChunkData{*chunk, static_cast<std::uint8_t>(d == 255 ? 255 : d + 1), true});
}

void Engine::on_ping(PeerId from, const Ping& ping) {
  // A keepalive only needs to be heard (on_message noted it). Answering each one doubled the
  // messages a child exchanges with its parents outside the stream, for nothing.
  if (ping.nonce == kKeepaliveNonce) return;
  Pong pong;
  pong.nonce = ping.nonce;
  pong.echo_us = ping.sent_us;
  pong.delay_ms = reported_delay_ms();
  std::uint8_t depth = 0;
  for (std::uint8_t s = 0; s < stripes_.size(); ++s) depth = std::max(depth, depth_of(StripeIndex{s}));
  pong.depth = depth;
  pong.stripes = downstream_.open_stripes(relayable_stripes());
  pong.spare_slots = pong.stripes ? downstream_.spare() : 0;
  pong.coord = vivaldi_.coord();
  send(from, pong);
}

}  // namespace potok
