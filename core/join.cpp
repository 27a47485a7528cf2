// A peer's upstream side: joining through the bootstrap, probing candidates, choosing a parent
// per stripe, and replacing parents that vanish, stall or evict us.
#include <algorithm>

#include "core/engine.hpp"

namespace potok {

namespace {
// What the bootstrap or a probe told us longer ago than this may describe a peer that has left
// since (sessions last minutes): subscribing to one costs a whole subscribe timeout.
constexpr Duration kCandidateFreshness = ms(60000);
constexpr Duration kGoneFor = ms(60000);
}  // namespace

void Engine::start_peer() {
  // The JoinRequest rides the link's opening: the Welcome comes back with the link, not a round
  // trip after it.
  join_state_ = JoinState::kAwaitingWelcome;
  links_.try_emplace(config_.bootstrap);
  join_sent_at_ = now_;
  join_rode_connect_ = true;
  emit(out::Connect{config_.bootstrap, join_request()});
}

JoinRequest Engine::join_request() {
  JoinRequest join;
  join.capacity_slots = downstream_.capacity();
  join.nat = config_.nat;
  join.coord = vivaldi_.coord();
  return join;
}

void Engine::send_join_request() {
  join_sent_at_ = now_;
  join_rode_connect_ = false;
  send(config_.bootstrap, join_request());
}

Duration Engine::chunk_transfer_time() const {
  // One chunk at one stripe's rate: what a busy parent needs per child, roughly.
  return params_.chunk_duration;
}

void Engine::on_welcome(const Welcome& w) {
  if (join_state_ != JoinState::kAwaitingWelcome) return;
  if (w.params.stripe_count == 0 || w.params.stripe_count > 32 || w.params.chunk_duration <= Duration{} ||
      w.params.bitrate_bps == 0 || w.params.chunks_per_group == 0 || (w.params.parity && w.params.stripe_count < 2) ||
      (w.params.parity_guards && !w.params.parity)) {
    event(out::EventKind::kProtocolViolation, config_.bootstrap);
    return;
  }
  params_ = w.params;
  have_params_ = true;
  playout_ = Playout(params_.chunk_duration);
  // A JoinRequest that rode the opening waited for the link too: a WebSocket's TCP handshake
  // and HTTP upgrade, two round trips, the second of which carried it.
  const Duration rtt = join_rode_connect_ ? (now_ - join_sent_at_) / 2 : now_ - join_sent_at_;
  clock_.known = true;
  clock_.offset_us = w.source_time_us + us_of(rtt) / 2 - us_of(now_);
  reset_downstream(static_cast<std::uint8_t>(config_.self.value % params_.stripe_count));
  stripes_.assign(params_.stripe_count, StripeUpstream{});
  if (params_.parity_guards) stripes_.back().state = StripeUpstream::State::kOff;  // until we guard
  group_start_ = w.group_start_seq;
  backfill_tokens_.reset(now_);
  for (const auto& c : w.candidates) candidates_.offer(c, now_);
  if (Candidate* boot = candidates_.find(config_.bootstrap)) boot->rtt_ms = seconds_of(rtt) * 1000;
  vivaldi_.observe(seconds_of(rtt) * 1000, NetCoord{});
  // Subscribe at once to the bootstrap's best guesses (ranked by coordinates); the probes run
  // in parallel and inform every later choice. Waiting for them would cost a round trip of
  // startup for little gain.
  join_state_ = JoinState::kJoined;
  next_report_at_ = now_ + Duration{static_cast<Duration::rep>(
                               rng_.uniform(0.5, 1.0) * static_cast<double>(config_.tuning.report_interval.count()))};
  last_query_at_ = now_;
  next_climb_at_ = now_ + Duration{static_cast<Duration::rep>(
                              rng_.uniform(1.0, 2.0) * static_cast<double>(config_.tuning.climb_interval.count()))};
  probe(config_.tuning.probe_count);
  choose_parents();
}

void Engine::probe(int count) {
  // Probe the most promising candidates by coordinate-predicted delay; RTT decides among them.
  std::vector<Candidate*> order;
  for (auto& [peer, c] : candidates_.all())
    if (!c.probing && c.rtt_ms < 0 && c.info.spare_slots > 0 && now_ >= c.unusable_until &&
        can_connect(config_.nat, c.info.nat))
      order.push_back(&c);
  std::sort(order.begin(), order.end(), [&](const Candidate* a, const Candidate* b) {
    const double da = expected_delay_ms(*a, vivaldi_.coord(), chunk_transfer_time());
    const double db = expected_delay_ms(*b, vivaldi_.coord(), chunk_transfer_time());
    return da != db ? da < db : a->info.peer < b->info.peer;
  });
  for (int i = 0; i < count && i < static_cast<int>(order.size()); ++i) {
    Candidate* c = order[i];
    c->probing = true;
    c->nonce = fresh_nonce();
    send(c->info.peer, Ping{c->nonce, us_of(now_)});
  }
}

void Engine::on_candidate_list(const CandidateList& list) {
  query_outstanding_ = false;
  query_backoff_ = list.candidates.empty() ? query_backoff_ + 1 : 0;
  for (const auto& c : list.candidates) candidates_.offer(c, now_);
  if (climbing_) {
    climbing_ = false;
    climb(list.candidates);
    return;
  }
  choose_parents();
}

void Engine::on_pong(PeerId from, const Pong& pong) {
  Candidate* c = candidates_.find(from);
  if (!c || !c->probing || pong.nonce != c->nonce) return;
  const double rtt_ms = static_cast<double>(us_of(now_) - pong.echo_us) / 1000.0;
  if (rtt_ms < 0 || rtt_ms > 30'000) {
    event(out::EventKind::kProtocolViolation, from);
    return;
  }
  c->probing = false;
  c->rtt_ms = rtt_ms;
  c->info.delay_ms = pong.delay_ms;
  c->info.depth = pong.depth;
  c->info.spare_slots = pong.spare_slots;
  c->info.stripes = pong.stripes;
  c->info.coord = pong.coord;
  c->heard_at = now_;
  vivaldi_.observe(rtt_ms, pong.coord);
  // A fresh measurement may make a waiting stripe's choice possible or better.
  if (join_state_ == JoinState::kJoined) choose_parents();
}

void Engine::choose_parents() {
  if (join_state_ != JoinState::kJoined || stripes_.empty()) return;
  if (std::none_of(stripes_.begin(), stripes_.end(),
                   [](const StripeUpstream& u) { return u.state == StripeUpstream::State::kNone; }))
    return;
  consider_current_parents();
  ChoiceInputs in;
  in.stripes = &stripes_;
  in.self_nat = config_.nat;
  in.self_coord = vivaldi_.coord();
  in.now = now_;
  in.chunk_transfer = chunk_transfer_time();
  in.stale_before = now_ - kCandidateFreshness;
  // We talk to the bootstrap all along, and for a viewer behind a WebSocket it is the only
  // parent there is: it never goes stale.
  if (Candidate* boot = candidates_.find(config_.bootstrap)) boot->heard_at = now_;
  for (const Assignment& a : choose_upstreams(candidates_, in)) {
    Subscribe sub = subscription(a.stripes, 0);
    std::uint8_t depth_limit = 0;
    ChunkSeq from = playout_.started() ? playout_.next() : group_start_;
    bool below_source_child = true;  // every depth-limited stripe here hung below one
    ChunkSeq newest_live{};
    for (std::uint8_t s = 0; s < stripes_.size(); ++s) {
      if (!(a.stripes & (StripeMask{1} << s))) continue;
      StripeUpstream& up = stripes_[s];
      up.state = StripeUpstream::State::kPending;
      up.parent = a.parent;
      up.since = now_;
      up.late_streak = 0;
      if (up.depth_before_loss == 0) continue;
      depth_limit = depth_limit == 0 ? up.depth_before_loss : std::min(depth_limit, up.depth_before_loss);
      below_source_child = below_source_child && up.depth_before_loss == kSourceGrandchildDepth;
      newest_live = std::max(newest_live, up.last_pushed);  // never less than what came live
      // Nor than what we rebuilt and pushed on: our subtree has had that live from us.
      newest_live = std::max(newest_live, up.newest_rebuilt);
    }
    sub.depth = depth_limit;
    // Below a lost child of the source, nobody is shallow enough but the source, which keeps
    // one place, and its other children, full of relays as strong as we are: a parent that is
    // ahead of us will do instead (on_subscribe; docs/failure-handling.md).
    if (depth_limit != 0 && below_source_child) sub.newest_live_seq = newest_live;
    // Ask from the first chunk we lack, so the parent's backfill is not a duplicate.
    while (from <= newest_seen_ && buffer_.has(from)) from = next(from);
    sub.from_seq = from;
    send(a.parent, sub);
  }
  const bool unassigned = std::any_of(stripes_.begin(), stripes_.end(), [](const StripeUpstream& s) {
    return s.state == StripeUpstream::State::kNone;
  });
  if (unassigned && now_ >= next_query_at()) {
    last_query_at_ = now_;
    query_outstanding_ = true;
    climbing_ = false;
    // Every stripe, not only the orphaned ones: the answer also refreshes what we know of the
    // others, and of the source, whose offer to displace a child depends on all of them. Half
    // a list is enough to place a few stripes, and the bootstrap's budget answers twice as many.
    send(config_.bootstrap, CandidateQuery{static_cast<std::uint16_t>(config_.tuning.candidates_per_answer / 2), 0});
  }
}

void Engine::consider_current_parents() {
  // A parent of another stripe receives the orphaned one too, the transport to it is up, and it
  // answers in one round trip: ask it before waiting for the bootstrap, whose list budget a
  // departure high in a tree can exhaust with thousands of orphans at once. Unless it refused
  // us lately: then the pool already knows better.
  const StripeMask all = all_stripes();
  const Duration stripe_period = params_.stripe_period();
  for (const StripeUpstream& up : stripes_) {
    if (up.state != StripeUpstream::State::kActive || up.moving_to != PeerId{}) continue;
    // Not one that has gone quiet on this stripe too: it may be what we just lost.
    if (now_ - up.last_arrival > stripe_period) continue;
    Candidate* known = candidates_.find(up.parent);
    if (known && (now_ < known->unusable_until || (known->info.spare_slots > 0 && known->info.stripes == all))) continue;
    CandidateInfo hint = known ? known->info : CandidateInfo{};
    hint.peer = up.parent;
    hint.stripes = all;
    hint.spare_slots = std::max<std::uint16_t>(1, hint.spare_slots);
    if (!known) {
      hint.depth = up.depth > 0 ? static_cast<std::uint8_t>(up.depth - 1) : 0;
      hint.delay_ms = static_cast<std::uint32_t>(std::max<std::int64_t>(0, us_of(up.delay.mean()) / 1000));
    }
    candidates_.offer(hint, now_);
  }
}

Instant Engine::next_query_at() const {
  // With nobody left to try, ask soon; otherwise at most once per interval. An answer that
  // never came stops blocking us after a full interval.
  // Fruitless queries back off exponentially (up to 16x), so a crowd that cannot be placed
  // yet does not drown the bootstrap.
  const Duration interval = config_.tuning.candidate_query_interval * (1 << std::min(query_backoff_, 4));
  if (query_outstanding_) return last_query_at_ + interval;
  const bool nobody_left = std::none_of(candidates_.all().begin(), candidates_.all().end(), [&](const auto& kv) {
    return kv.second.info.spare_slots > 0 && now_ >= kv.second.unusable_until;
  });
  return last_query_at_ + (nobody_left && query_backoff_ == 0 ? interval / 4 : interval);
}

void Engine::on_subscribe_ack(PeerId from, const SubscribeAck& ack) {
  bool rejected = false;
  // Accepted stripes we no longer want from `from` (we chose another parent meanwhile, or gave
  // up the move): release them at once, or it pushes to us until it notices our silence.
  StripeMask unwanted = 0;
  // A refusal usually means "full": leave that parent alone for a while. But a refusal of a
  // depth-limited subscription (loop avoidance) may only mean "not shallower than you were";
  // once the limit lifts (stall_limit after the loss) the same parent is worth asking again.
  Instant retry_at = now_ + ms(5000);
  bool maybe_full = false;
  bool source_busy = false;  // it has not noticed our lost parent yet

  for (std::uint8_t s = 0; s < stripes_.size(); ++s) {
    StripeUpstream& up = stripes_[s];
    const StripeMask bit = StripeMask{1} << s;
    if (up.state == StripeUpstream::State::kActive && up.moving_to == from && (ack.accepted & bit)) {
      up.heir_hope_until = kLongAgo;
      send(up.parent, Unsubscribe{bit});  // moved: release the old parent's slot at once
      remember_former_parent(up, up.parent);
      up.parent = from;
      up.newest_live = ChunkSeq{};
      up.moving_to = PeerId{};
      up.evicted_at = kNever;
      up.since = now_;
      up.last_arrival = now_;
      up.last_pushed = std::max(up.last_pushed, newest_seen_);
      up.delay.reset();
      up.late_streak = 0;
      continue;
    }
    if (up.moving_to == from && (ack.rejected & bit)) {
      rejected |= abandon_move(StripeIndex{s});
      if (from == config_.bootstrap) hope_for_kept_place(up, ack);
      continue;
    }
    if (up.state != StripeUpstream::State::kPending || up.parent != from) {
      if ((ack.accepted & bit) && up.parent != from) {
        unwanted |= bit;
        remember_former_parent(up, from);  // its backfill follows the ack
      }
      continue;
    }
    if (ack.accepted & bit) {
      up.state = StripeUpstream::State::kActive;
      up.since = now_;
      up.last_arrival = now_;
      up.last_pushed = std::max(up.last_pushed, newest_seen_);
      up.depth_before_loss = 0;
    } else if (ack.rejected & bit) {
      up.state = StripeUpstream::State::kNone;
      rejected = true;
      // The source refuses a subtree's top relay only until it notices the parent gone. Once it
      // names whoever took the place (refer_to_heir), or a child with room, asking again would
      // only keep us from the deeper places that are ahead of us.
      if (up.depth_before_loss == kSourceGrandchildDepth && from == config_.bootstrap && ack.referrals.empty()) {
        ask_source_again_at_ = now_ + source_sweep_period();
        retry_at = std::min(retry_at, ask_source_again_at_);
        source_busy = true;
      } else if (up.depth_before_loss != 0)
        retry_at = std::min(retry_at, up.orphaned_since + config_.tuning.stall_limit);
      else maybe_full = true;
    }
  }
  if (unwanted) send(from, Unsubscribe{unwanted});
  // Children of a full parent, with room: a round trip away, and fresher than any list the
  // bootstrap could send.
  for (const CandidateInfo& referral : ack.referrals)
    if (referral.peer != config_.self && referral.peer != from && !banned_.count(referral.peer) &&
        can_connect(config_.nat, referral.nat))
      candidates_.offer(referral, now_);
  if (rejected) {
    if (Candidate* c = candidates_.find(from)) {
      if (maybe_full) c->info.spare_slots = 0;
      else if (source_busy) c->info.spare_slots = std::max<std::uint16_t>(1, c->info.spare_slots);  // choosing took it
      c->unusable_until = maybe_full ? now_ + ms(5000) : retry_at;
    }
    choose_parents();
  }
}

void Engine::on_evict(PeerId from, const Evict& evict) {
  // Make before break: the old parent keeps feeding us for a grace period while we subscribe
  // to the newcomer it suggested, which joined below it with room to spare.
  StripeMask moving = 0;
  for (std::uint8_t s = 0; s < stripes_.size(); ++s) {
    if (!(evict.stripes & (StripeMask{1} << s))) continue;
    StripeUpstream& up = stripes_[s];
    if (up.state != StripeUpstream::State::kActive || up.parent != from) continue;
    up.moving_to = evict.suggested;
    up.evicted_at = now_;
    moving |= StripeMask{1} << s;
  }
  if (!moving || evict.suggested == config_.self || evict.suggested == from) return;
  if (evict.suggested == PeerId{}) {
    // No parent we could reach: a move that has already failed.
    for (std::uint8_t s = 0; s < stripes_.size(); ++s)
      if (moving & (StripeMask{1} << s)) abandon_move(StripeIndex{s});
    choose_parents();
    return;
  }
  CandidateInfo hint;
  hint.peer = evict.suggested;
  const Candidate* old_parent = candidates_.find(from);
  hint.delay_ms = (old_parent ? old_parent->info.delay_ms : 0) + 50;
  hint.depth = old_parent ? static_cast<std::uint8_t>(old_parent->info.depth + 1) : 1;
  hint.stripes = moving;
  hint.nat = NatClass::kOpen;  // unknown: the connect attempt will tell
  candidates_.offer(hint, now_);
  // Depth 0: the newcomer's only parent in these stripes is our old one, so not our descendant.
  send(evict.suggested, subscription(moving, 0));
}

Subscribe Engine::subscription(StripeMask stripes, std::uint8_t depth) const {
  Subscribe sub;
  sub.stripes = stripes;
  sub.from_seq = seen_any_ ? next(newest_seen_) : group_start_;
  sub.capacity_slots = downstream_.capacity();
  sub.depth = depth;
  sub.nat = config_.nat;
  return sub;
}

bool Engine::abandon_move(StripeIndex stripe) {
  // The move was refused, cannot connect, or has no target. A climber stays where it is. An evicted child's old
  // parent stops feeding it when the grace ends, and says nothing: waiting for that silence (and
  // then the stall limit) would cost seconds of stripe, so it finds another parent now, while
  // still fed. Returns whether the parent was given up.
  StripeUpstream& up = stripes_[stripe.value];
  up.moving_to = PeerId{};
  if (up.evicted_at == kNever) return false;
  lose_parent(stripe, true, out::LossReason::kEvicted);
  return true;
}

void Engine::lose_parent(StripeIndex stripe, bool tell_parent, out::LossReason reason) {
  StripeUpstream& up = stripes_[stripe.value];
  if (up.state == StripeUpstream::State::kNone || up.state == StripeUpstream::State::kOff) return;
  const PeerId parent = up.parent;
  if (tell_parent) send(parent, Unsubscribe{StripeMask{1} << stripe.value});
  // Only a peer with children in this stripe can adopt a descendant by mistake.
  const bool was_fed = up.state == StripeUpstream::State::kActive;
  if (was_fed && up.depth != 0 && !downstream_.children(stripe).empty()) up.depth_before_loss = up.depth;
  remember_former_parent(up, parent);
  if (up.moving_to != PeerId{}) {
    send(up.moving_to, Unsubscribe{StripeMask{1} << stripe.value});
    remember_former_parent(up, up.moving_to);  // it may have accepted, and pushed already
  }
  up.state = StripeUpstream::State::kNone;
  up.newest_live = ChunkSeq{};
  up.moving_to = PeerId{};
  up.evicted_at = kNever;
  up.since = now_;
  up.orphaned_since = now_;
  up.late_streak = 0;
  up.delay.reset();
  emit(out::Event{out::EventKind::kParentSwitched, parent, ChunkSeq{stripe.value}, Duration{},
                  static_cast<std::uint8_t>(reason)});
  // The parent we had, not a later attempt that failed: by then the source may have given the
  // place away (on_subscribe_ack).
  if (was_fed && up.depth_before_loss == kSourceGrandchildDepth && parent != config_.bootstrap) {
    ask_source_first();
    up.heir_hope_until = now_ + config_.tuning.stall_limit;
  }
  // Someone else, for a while. But not instead of a source that merely lost our subscription:
  // it is where the stripe is, and for a leaf behind a WebSocket, the only place there is.
  const bool source_forgot_us = parent == config_.bootstrap && reason == out::LossReason::kSilent;
  // One that seems to have left is not retried for a minute: our pool used to offer it again
  // every 10 s, and each retry cost an orphaned stripe a whole subscribe timeout.
  const bool gone = parent != config_.bootstrap && seems_gone(parent, reason);
  if (Candidate* c = candidates_.find(parent); c && !source_forgot_us) {
    c->unusable_until = now_ + (gone ? kGoneFor : ms(10000));
    if (gone) c->heard_at = kLongAgo;
  }
  if (!gone) return;
  // Its other stripes go quiet a chunk or two later; waiting for that only delays their
  // replacement, and meanwhile they would offer the dead parent back for this one.
  for (std::uint8_t s = 0; s < stripes_.size(); ++s)
    if (stripes_[s].state != StripeUpstream::State::kNone && stripes_[s].parent == parent)
      lose_parent(StripeIndex{s}, tell_parent, reason);
}

void Engine::ask_source_first() {
  // Our parent was one of the source's few children, and we have children of our own: a share
  // of a whole stripe hangs below us, and only the source, which keeps our parent's place for
  // us a while (on_subscribe), is sure to be shallower than we were. Its other children are full
  // of relays as strong as we are, and the depth rule lifts only after the stall limit, when our
  // subtree has given up on us.
  CandidateInfo info;
  if (const Candidate* known = candidates_.find(config_.bootstrap)) info = known->info;
  info.peer = config_.bootstrap;
  info.depth = 0;
  info.delay_ms = 0;
  info.stripes = all_stripes();
  info.spare_slots = std::max<std::uint16_t>(1, info.spare_slots);
  candidates_.offer(info, now_);
  if (Candidate* source = candidates_.find(config_.bootstrap)) source->unusable_until = kLongAgo;
}

void Engine::hope_for_kept_place(StripeUpstream& up, const SubscribeAck& ack) {
  // Refused without referrals: the source has not noticed our lost parent yet, so it has not
  // kept its place for us yet. Once it names whoever took the place, or a child with room,
  // there is nothing left to hope for.
  if (!ack.referrals.empty() || now_ >= up.heir_hope_until) {
    up.heir_hope_until = kLongAgo;
    return;
  }
  ask_source_again_at_ = std::min(ask_source_again_at_, now_ + source_sweep_period());
}

void Engine::ask_source_for_kept_place() {
  // Refused by a source that had not noticed our lost parent yet, we took a place elsewhere, a
  // deeper one, meanwhile: the stripe flows again. But the source keeps the lost child's place
  // for a top relay of its subtree, and if every one of us has settled elsewhere, it goes to a
  // stranger once the reserve ends, and the subtree hangs a level or more deeper for good (in
  // a scenario test, 8 of 40 worlds). So we ask again, as a move: the current parent feeds us
  // until the source accepts. While our new parent has not accepted us yet, we wait.
  StripeMask move = 0;
  bool waiting = false;
  for (std::uint8_t s = 0; s < stripes_.size(); ++s) {
    StripeUpstream& up = stripes_[s];
    if (now_ >= up.heir_hope_until || up.parent == config_.bootstrap) continue;
    if (up.state == StripeUpstream::State::kPending) waiting = true;
    if (up.state != StripeUpstream::State::kActive || up.moving_to != PeerId{}) continue;
    up.moving_to = config_.bootstrap;
    move |= StripeMask{1} << s;
  }
  if (move) send(config_.bootstrap, subscription(move, kSourceGrandchildDepth));
  else if (waiting) ask_source_again_at_ = now_ + source_sweep_period();
}

void Engine::remember_former_parent(StripeUpstream& up, PeerId peer) const {
  // Chunks it pushed before our Unsubscribe reached it arrive for a round trip plus its uplink
  // queue; they are dropped quietly, not reported as a protocol violation.
  up.former.remember(peer, now_ + config_.tuning.subscribe_timeout);
}

void Engine::send_report() {
  next_report_at_ = now_ + config_.tuning.report_interval;
  if (is_source() || join_state_ != JoinState::kJoined) return;
  Report r;
  r.capacity_slots = downstream_.capacity();
  r.spare_slots = downstream_.spare();
  r.coord = vivaldi_.coord();
  const StripeMask relayable = relayable_stripes();
  for (std::uint8_t s = 0; s < stripes_.size(); ++s) {
    const StripeIndex stripe{s};
    const StripeUpstream& up = stripes_[s];
    StripeOffer o;
    if (relayable & (StripeMask{1} << s)) {
      o.depth = depth_of(stripe);
      o.delay_ms = static_cast<std::uint16_t>(std::clamp<std::int64_t>(us_of(up.delay.mean()) / 1000, 0, 65535));
      o.room = static_cast<std::uint8_t>(std::min<std::uint16_t>(255, downstream_.room(stripe)));
      o.weakest_child = o.room ? 0xFFFF : downstream_.weakest_in_full(StripeMask{1} << s);
    }
    r.stripes.push_back(o);
  }
  offer_reported_ = downstream_.open_stripes(relayable);
  used_reported_ = downstream_.used();
  last_report_at_ = now_;
  // Our parents too: when full, they refer refused peers to children with room.
  if (downstream_.capacity() > 0) {
    std::vector<PeerId> told;
    for (const StripeUpstream& up : stripes_) {
      if (up.state != StripeUpstream::State::kActive || up.parent == config_.bootstrap) continue;
      if (std::find(told.begin(), told.end(), up.parent) != told.end()) continue;
      told.push_back(up.parent);
      send(up.parent, r);
    }
  }
  send(config_.bootstrap, std::move(r));
}

}  // namespace potok
