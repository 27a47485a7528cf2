// Watching the parents we have: a subscription that is never answered, a stripe gone quiet,
// a parent that no longer answers (gone) or answers but sends nothing (stalled), one that is
// too slow. What to do about it (lose_parent, choose_parents) is in join.cpp.
#include <algorithm>

#include "core/engine.hpp"

namespace potok {

bool Engine::seems_gone(PeerId parent, out::LossReason reason) const {
  // It answered nothing: no transport came up to it, or it stopped answering our pings.
  const Link* link = links_.find(parent);
  switch (reason) {
    case out::LossReason::kNoAnswer: return !link || !link->up;
    case out::LossReason::kSilent: return !parent_alive(parent);
    case out::LossReason::kDisconnected:
    case out::LossReason::kConnectFailed: return true;
    default: return false;
  }
}

Instant Engine::subscribe_due(const StripeUpstream& up) const {
  // The answer is due a while after the Subscribe could go out, not after we chose: setting up
  // a transport to a far peer takes two round trips, which alone may use most of the timeout.
  // A transport that does not come up within the timeout is not waited for either: the peer
  // may have left, and ICE takes seconds to say so.
  const Link* link = links_.find(up.parent);
  if (!link || !link->up) return up.since + config_.tuning.subscribe_timeout;
  return std::max(up.since, link->up_since) + config_.tuning.subscribe_timeout;
}

Instant Engine::depth_rule_ends(const StripeUpstream& up) const {
  // Strictly past the stall limit. check_upstreams and next_wake share it, so the wake-up
  // cannot fall a microsecond before the check acts.
  return up.orphaned_since + config_.tuning.stall_limit + Duration{1};
}

bool Engine::parent_alive(PeerId parent) const {
  const Link* found = links_.find(parent);
  if (!found || !found->up) return false;
  const Link& link = *found;
  // Pinged when the stripe first went quiet; alive if anything came back since.
  return link.last_heard >= link.last_ping || now_ - link.last_ping < config_.tuning.silence_grace;
}

void Engine::ping_if_quiet(PeerId parent) {
  Link* found = links_.find(parent);
  if (!found || !found->up) return;
  Link& link = *found;
  if (now_ - link.last_ping < config_.tuning.liveness_window) return;
  link.last_ping = now_;
  send(parent, Ping{fresh_nonce(), us_of(now_)});  // answered: any answer shows it is alive
}

bool Engine::slower_than_others(StripeIndex stripe) const {
  // Late chunks from one parent mean little if every stripe is as slow: then our playout delay
  // is too short, and it grows by itself. A parent is slow when it lags our fastest stripe.
  const StripeUpstream& mine = stripes_[stripe.value];
  if (!mine.delay.primed()) return false;
  const Duration fastest = fastest_other_stripe(stripe);
  return fastest == Duration::max() || mine.delay.mean() > fastest + config_.tuning.slow_parent_gap;
}

bool Engine::news_elsewhere(StripeIndex stripe) const {
  // Stripes take turns, one chunk each. Two turns missed while chunks came on: the stream went
  // on without us. (Not time alone: a stalled source that runs again sends its backlog stripe by
  // stripe, and the first stripe to speak is no news about the others.)
  // A stripe that has pushed nothing yet counts from where the stream was when it was accepted.
  return seen_any_ && newest_seen_.value >= stripes_[stripe.value].last_pushed.value + 2u * params_.stripe_count;
}

Duration Engine::fastest_other_stripe(StripeIndex stripe) const {
  Duration fastest = Duration::max();
  for (std::size_t s = 0; s < stripes_.size(); ++s)
    if (s != stripe.value && stripes_[s].delay.primed()) fastest = std::min(fastest, stripes_[s].delay.mean());
  return fastest;
}

void Engine::check_upstreams() {
  const Duration stripe_period = params_.stripe_period();
  bool changed = false;
  for (std::uint8_t s = 0; s < stripes_.size(); ++s) {
    StripeUpstream& up = stripes_[s];
    if (up.state == StripeUpstream::State::kPending && now_ >= subscribe_due(up)) {
      lose_parent(StripeIndex{s}, true, out::LossReason::kNoAnswer);
      changed = true;
      continue;
    }
    if (up.state != StripeUpstream::State::kActive && up.depth_before_loss != 0 && now_ >= depth_rule_ends(up)) {
      // Nobody shallower has room. Take anyone: should that close a loop, the loop receives
      // nothing, stalls, and breaks itself at the stall limit.
      up.depth_before_loss = 0;
      changed = true;
    }
    if (up.state != StripeUpstream::State::kActive) continue;
    if (up.evicted_at != kNever && now_ - up.evicted_at >= config_.tuning.eviction_grace - config_.tuning.eviction_margin) {
      // The move has not happened and the old parent is about to stop: find a parent now.
      lose_parent(StripeIndex{s}, true, out::LossReason::kEvicted);
      changed = true;
      continue;
    }
    const Duration silence = now_ - up.last_arrival;
    // Half the grace past a stripe period without a chunk: ask the parent whether it is still
    // there, so that by the time the silence is suspicious we know whether it is dead or stalled.
    if (silence > stripe_period + config_.tuning.silence_grace / 2) ping_if_quiet(up.parent);
    // A parent that still answers is only stalled (its own upstream broke and it is
    // re-parenting): keep it a while and let repair cover the gap, rather than cascade the
    // breakage down its whole subtree. A parent that answers nothing is gone.
    // The source (our bootstrap) has no upstream to lose. While no stripe brings news, its
    // input paused (a publisher reconnecting) or the source itself stalled (a starved process
    // answers no Ping either): nobody has anything newer, and leaving it would only add a
    // rejoin, and the 10 s it stays unusable, to the outage. Unless it evicted us: then its
    // silence is the end of our grace. (Relays are still given up at the stall limit: also
    // waiting longer for them whenever no stripe brings news cost 1 point of continuity in the
    // 1k churn run.)
    // When other stripes do bring news, the source, having no upstream to stall on, has lost
    // our subscription to this one.
    const bool silent = silence > stripe_period + config_.tuning.silence_grace;
    const bool from_source = up.parent == config_.bootstrap && up.moving_to == PeerId{};  // not evicted
    // A source stripe that never pushed live since it accepted us is given up for news only
    // past the stall limit: its backfill is news about the other stripes too, so a viewer that
    // joined just before a source stall gave up every stripe at once.
    const bool dead = from_source ? silent && news_elsewhere(StripeIndex{s}) &&
                                        (up.delay.primed() || silence > config_.tuning.stall_limit)
                                  : silent && (!parent_alive(up.parent) || silence > config_.tuning.stall_limit);
    if (dead || (up.late_streak >= config_.tuning.late_streak_limit && slower_than_others(StripeIndex{s}))) {
      lose_parent(StripeIndex{s}, true, dead ? out::LossReason::kSilent : out::LossReason::kSlow);
      changed = true;
    }
  }
  const bool unassigned = std::any_of(stripes_.begin(), stripes_.end(), [](const StripeUpstream& u) {
    return u.state == StripeUpstream::State::kNone;
  });
  // A retry the source's refusal asked for: nothing else would wake us before our next query,
  // by when the place it kept for us may have gone to someone outside our subtree.
  if (now_ >= ask_source_again_at_) {
    ask_source_again_at_ = kNever;
    changed = changed || unassigned;
    ask_source_for_kept_place();
  }
  if (changed || (unassigned && now_ >= next_query_at())) {
    if (query_outstanding_ && now_ >= next_query_at()) {
      query_outstanding_ = false;  // an unanswered query does not block us forever
      ++query_backoff_;
    }
    choose_parents();
  }
}

}  // namespace potok
