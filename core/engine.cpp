#include "core/engine.hpp"

#include <algorithm>

#include "core/wire.hpp"

namespace potok {

namespace {
constexpr std::size_t kMaxPendingPerLink = 128;
constexpr Duration kMembershipExpiry = ms(16000);
// A joiner subscribes to a relay it was handed about 3 round trips after the Welcome left, and
// the relay's next report (at most a second after its offer changes) then shows it.
constexpr Duration kMembershipLease = ms(2000);
// Woken this much later than asked, we were not running (a stopped or starved process).
constexpr Duration kAbsenceThreshold = ms(250);
// How late a soft timer may run (see next_wake). In the simulator each wake is an event, and
// the slack took the 10k x 600 s run from 9.0 M wakes to 2.0 M: the keepalive sweep and the
// first probe of a quiet parent had each woken a peer on its own.
constexpr Duration kSoftTimerSlack = ms(150);
// A soft timer's wake; kNever (a timer that is not set) stays kNever rather than overflowing.
Instant soft(Instant t) { return t >= kNever - kSoftTimerSlack ? kNever : t + kSoftTimerSlack; }
}  // namespace

Engine::Engine(EngineConfig config)
    : config_(config),
      rng_(config.seed),
      uplink_(config.upload_cap_bps),
      membership_(kMembershipExpiry, kMembershipLease, config.stream.stripe_count),
      candidates_(static_cast<std::size_t>(config.tuning.candidate_pool_limit)),
      playout_(config.stream.chunk_duration) {
  accounting_.set_per_peer(true);
}

void Engine::handle_input(Input input) {
  now_ = input.now;
  if (wake_requested_ != kNever && now_ - wake_requested_ > kAbsenceThreshold) forgive_absence(now_ - wake_requested_);
  wake_requested_ = kNever;
  std::visit(
      [&](auto&& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, in::Start>) {
          started_at_ = now_;
          is_source() ? start_source() : start_peer();
        } else if constexpr (std::is_same_v<T, in::Stop>) {
          leave();
        } else if constexpr (std::is_same_v<T, in::Tick>) {
          on_timer();
        } else if constexpr (std::is_same_v<T, in::Received>) {
          on_message(e.from, std::move(e.message));
        } else if constexpr (std::is_same_v<T, in::Connected>) {
          on_connected(e.peer);
        } else if constexpr (std::is_same_v<T, in::ConnectFailed>) {
          on_connect_failed(e.peer);
        } else if constexpr (std::is_same_v<T, in::Disconnected>) {
          on_disconnected(e.peer);
        } else if constexpr (std::is_same_v<T, in::Produce>) {
          if (is_source()) on_produce(std::move(e.chunk));
        } else if constexpr (std::is_same_v<T, in::Verified>) {
          on_verified(e);
        }
      },
      input.event);
  // On every input, not on ticks alone: a busy relay's driver may never need to wake it, and
  // children it evicted were then fed long past their grace.
  downstream_.expire_leaving(now_, config_.tuning.eviction_grace);
  if (join_state_ == JoinState::kJoined && !is_source()) {
    advance_playout();
    check_upstreams();
    check_repairs();
  }
  // Whenever our offer changes (which stripes, how many places), tell the bootstrap soon:
  // joiners are waiting for room, and a full peer should stop being handed out.
  if (!is_source() && join_state_ == JoinState::kJoined && now_ - last_offer_check_ >= ms(100)) {
    last_offer_check_ = now_;
    update_parity_wish();
    const StripeMask offering = downstream_.open_stripes(relayable_stripes());
    if (offering != offer_reported_ || downstream_.used() != used_reported_)
      next_report_at_ = std::min(next_report_at_, last_report_at_ + config_.tuning.min_report_gap);
  }
  if (now_ >= next_report_at_) send_report();
  if (!is_source() && join_state_ == JoinState::kJoined) maybe_start_climb();
  if (join_state_ == JoinState::kJoined && now_ >= next_liveness_sweep_) keep_links_alive();
}

Output Engine::poll_output() {
  if (next_output_ == outputs_.size()) {
    outputs_.clear();
    next_output_ = 0;
    wake_requested_ = next_wake();
    return out::WakeAt{wake_requested_};
  }
  return std::move(outputs_[next_output_++]);
}

void Engine::on_message(PeerId from, Message&& message) {
  if (join_state_ == JoinState::kLeft || banned_.count(from)) return;
  if (Link* link = links_.find(from)) link->last_heard = now_;
  if (!std::holds_alternative<ChunkData>(message)) {
    const std::uint64_t size = wire::wire_size(message);
    accounting_.received(from, size, 0, false);
  }
  std::visit(
      [&](auto&& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, JoinRequest>) {
          if (is_source()) on_join_request(from, m);
        } else if constexpr (std::is_same_v<T, Welcome>) {
          if (!is_source() && from == config_.bootstrap) on_welcome(m);
        } else if constexpr (std::is_same_v<T, CandidateQuery>) {
          if (is_source()) on_candidate_query(from, m);
        } else if constexpr (std::is_same_v<T, CandidateList>) {
          if (!is_source() && from == config_.bootstrap) on_candidate_list(m);
        } else if constexpr (std::is_same_v<T, Report>) {
          if (is_source()) membership_.reported(from, m, now_);
          child_offers_.reported(from, m);
        } else if constexpr (std::is_same_v<T, Ping>) {
          on_ping(from, m);
        } else if constexpr (std::is_same_v<T, Pong>) {
          on_pong(from, m);
        } else if constexpr (std::is_same_v<T, Subscribe>) {
          on_subscribe(from, m);
        } else if constexpr (std::is_same_v<T, SubscribeAck>) {
          on_subscribe_ack(from, m);
        } else if constexpr (std::is_same_v<T, Unsubscribe>) {
          on_unsubscribe(from, m);
        } else if constexpr (std::is_same_v<T, Evict>) {
          on_evict(from, m);
        } else if constexpr (std::is_same_v<T, Want>) {
          on_want(from, m);
        } else if constexpr (std::is_same_v<T, NotHave>) {
          auto it = repairs_.find(m.seq.value);
          if (it != repairs_.end() && it->second.last_asked() == from) it->second.refused = true;
        } else if constexpr (std::is_same_v<T, ChunkData>) {
          if (!m.chunk) {
            event(out::EventKind::kProtocolViolation, from);
            return;
          }
          on_chunk(from, m);
        } else if constexpr (std::is_same_v<T, Leave>) {
          on_disconnected(from);
        }
      },
      message);
}

void Engine::send(PeerId to, Message message) {
  if (to == config_.self) return;
  auto [found, inserted] = links_.try_emplace(to);
  Link& link = *found;
  if (link.up) {
    link.last_sent = now_;
    const std::uint64_t size = wire::wire_size(message);
    accounting_.sent(to, size, wire::payload_bytes(message));
    uplink_.sent(now_, size);
    emit(out::Transmit{to, std::move(message)});
    return;
  }
  if (inserted) emit(out::Connect{to, std::nullopt});
  if (link.pending.size() < kMaxPendingPerLink) link.pending.push_back(std::move(message));
}

void Engine::on_connected(PeerId peer) {
  Link& link = links_[peer];
  link.up = true;
  link.up_since = now_;
  link.last_heard = now_;
  std::vector<Message> pending;
  pending.swap(link.pending);
  for (auto& m : pending) send(peer, std::move(m));
}

void Engine::on_connect_failed(PeerId peer) {
  links_.erase(peer);
  event(out::EventKind::kConnectFailed, peer);
  if (Candidate* c = candidates_.find(peer)) {
    c->probing = false;
    c->unusable_until = now_ + ms(60000);
  }
  bool lost = false;
  for (std::size_t s = 0; s < stripes_.size(); ++s) {
    StripeUpstream& up = stripes_[s];
    const StripeIndex stripe{static_cast<std::uint8_t>(s)};
    if (up.state != StripeUpstream::State::kNone && up.parent == peer) {
      lose_parent(stripe, false, out::LossReason::kConnectFailed);
      lost = true;
    }
    if (up.moving_to == peer) lost |= abandon_move(stripe);
  }
  if (lost) choose_parents();
  if (!is_source() && peer == config_.bootstrap && join_state_ != JoinState::kLeft) {
    join_state_ = JoinState::kIdle;  // the driver will see no progress; a retry is its call
  }
}

void Engine::on_disconnected(PeerId peer) {
  links_.erase(peer);
  downstream_.remove_everywhere(peer);
  if (is_source()) membership_.left(peer);
  candidates_.erase(peer);
  for (std::size_t s = 0; s < stripes_.size(); ++s) {
    if (stripes_[s].state != StripeUpstream::State::kNone && stripes_[s].parent == peer)
      lose_parent(StripeIndex{static_cast<std::uint8_t>(s)}, false, out::LossReason::kDisconnected);
  }
}

void Engine::event(out::EventKind kind, PeerId peer, ChunkSeq seq, Duration value) {
  emit(out::Event{kind, peer, seq, value});
}

void Engine::on_timer() {
  // Unanswered: the bootstrap is busy or the message was lost.
  if (join_state_ == JoinState::kAwaitingWelcome && now_ - join_sent_at_ >= config_.tuning.join_retry)
    send_join_request();
}

Instant Engine::next_wake() const {
  // Timers that may run a little late (reports, keepalives, climbing, the first probe of a
  // quiet parent) ask to be woken kSoftTimerSlack past their time: handle_input checks them on
  // every input anyway, and a peer in the stream hears something every chunk period or so.
  Instant wake = std::min(soft(next_report_at_), downstream_.next_expiry(config_.tuning.eviction_grace));
  if (join_state_ == JoinState::kJoined) wake = std::min(wake, soft(next_liveness_sweep_));
  if (join_state_ == JoinState::kAwaitingWelcome) wake = std::min(wake, join_sent_at_ + config_.tuning.join_retry);
  if (join_state_ != JoinState::kJoined || is_source()) return wake;
  if (downstream_.capacity() > 0) wake = std::min(wake, soft(next_climb_at_));
  const Duration stripe_period = params_.stripe_period();
  bool any_unassigned = false;
  for (const auto& s : stripes_) {
    // The end of the stall limit lets an orphaned stripe take parents that might be our
    // descendants, and makes those that refused it for depth worth asking again.
    if (s.state != StripeUpstream::State::kActive && s.depth_before_loss != 0 && depth_rule_ends(s) > now_)
      wake = std::min(wake, depth_rule_ends(s));
    switch (s.state) {
      case StripeUpstream::State::kPending:
        wake = std::min(wake, subscribe_due(s));
        break;
      case StripeUpstream::State::kActive:
      {
        // Once silent, look again every 100 ms until the parent answers or is given up.
        const Instant quiet = s.last_arrival + stripe_period + config_.tuning.silence_grace / 2;
        const Instant suspect = s.last_arrival + stripe_period + config_.tuning.silence_grace;
        if (quiet > now_) wake = std::min(wake, soft(quiet));
        wake = std::min(wake, suspect > now_ ? suspect : now_ + ms(100));
        break;
      }
      case StripeUpstream::State::kNone:
        any_unassigned = true;
        break;
      case StripeUpstream::State::kOff:
        break;
    }
  }
  if (any_unassigned) wake = std::min(wake, next_query_at());
  wake = std::min(wake, ask_source_again_at_);
  wake = std::min(wake, head_deadline());
  if (!playout_.started() && measure_wait_until() > now_) wake = std::min(wake, measure_wait_until());
  if (!playout_.started() && start_wait_until_ > now_) wake = std::min(wake, start_wait_until_);
  if (playout_.started() && seen_any_) {
    int scanned = 0;
    for (ChunkSeq s = first_gap(); s <= newest_seen_ && scanned < 64; s = next(s), ++scanned) {
      if (!buffer_.has(s)) wake = std::min(wake, repair_wake(s));
    }
  }
  return std::max(wake, now_);
}

void Engine::keep_links_alive() {
  // Transports do not always tell us a peer vanished (a crashed tab, a dead NAT mapping), so
  // children keep saying something to their parents, and parents drop the children that stop.
  // Half a period of quiet, not a whole one: a message sent just after one sweep would
  // otherwise put the next ping two periods after it (with a 1.5 s period, as long as the child
  // timeout). So a parent hears from each child at least every 1.5 periods plus the timer slack.
  // The source sweeps four times as often and asks quiet children itself: below each of its few
  // children is a share of a whole stripe, and a departure found 3 s late let that share
  // dissolve (docs/failure-handling.md, "The source's children").
  const Duration period = is_source() ? source_sweep_period() : config_.tuning.keepalive;
  const Duration timeout = is_source() ? config_.tuning.source_child_timeout : config_.tuning.child_timeout;
  next_liveness_sweep_ = now_ + period;
  for (const StripeUpstream& up : stripes_) {
    if (up.state != StripeUpstream::State::kActive) continue;
    const Link* link = links_.find(up.parent);
    if (link && link->up && now_ - link->last_sent >= config_.tuning.keepalive / 2)
      send(up.parent, Ping{kKeepaliveNonce, us_of(now_)});
  }
  std::vector<PeerId> silent;
  for (std::uint8_t s = 0; s < downstream_.stripe_count(); ++s) {
    for (const ChildLink& child : downstream_.children(StripeIndex{s})) {
      Link* link = links_.find(child.peer);
      if (!link || now_ - link->last_heard > timeout) {
        silent.push_back(child.peer);
        if (is_source() && !child.leaving() && s < orphan_places_.size())
          orphan_places_[s].reserved_until = now_ + config_.tuning.orphan_reserve;
      } else if (is_source() && now_ - link->last_heard >= period && now_ - link->last_ping >= period) {
        link->last_ping = now_;
        send(child.peer, Ping{fresh_nonce(), us_of(now_)});  // answered, unlike a keepalive
      }
    }
  }
  for (PeerId peer : silent) forget_silent_child(peer);
  child_offers_.prune(downstream_);
}

void Engine::forget_silent_child(PeerId child) {
  downstream_.remove_everywhere(child);
  links_.erase(child);
  // Gone, most likely: the bootstrap stops handing it out now, not when its entry expires
  // (up to 16 s, in which its orphans and joiners would be sent to it). If it is alive, its
  // next report brings it back.
  if (is_source()) membership_.left(child);
  emit(out::Disconnect{child});
}

void Engine::drop_silent_source_child(StripeIndex stripe) {
  // A relay whose parent was our child in this stripe asks for the place: its parent went
  // quiet. If we have not heard from that child for two thirds of our own timeout either (it
  // was pinged by 500 ms of quiet: one 400 ms away has answered by then), the two witnesses
  // agree, and the subtree gets its place up to 0.5 s sooner. Alone, a relay's word moves
  // nothing: a liar cannot evict a child the source still hears.
  std::vector<PeerId> silent;
  for (const ChildLink& child : downstream_.children(stripe)) {
    const Link* link = links_.find(child.peer);
    if (!child.leaving() && link && link->up && now_ - link->last_heard > config_.tuning.source_child_timeout_when_told)
      silent.push_back(child.peer);
  }
  if (silent.empty()) return;
  if (stripe.value < orphan_places_.size())
    orphan_places_[stripe.value].reserved_until = now_ + config_.tuning.orphan_reserve;
  for (PeerId peer : silent) forget_silent_child(peer);
  child_offers_.prune(downstream_);
}

void Engine::forgive_absence(Duration absence) {
  // What reached us while we were not running waits, unread, behind this input: silences we
  // measure now are partly our own. Judge peers on the time we were there to hear them, or a
  // stalled source drops every child, and a stalled viewer every parent, for no fault of theirs.
  const auto shift = [&](Instant& t) {
    if (t != kLongAgo && t != kNever) t = std::min(t + absence, now_);
  };
  for (auto& [peer, link] : links_) {
    shift(link.last_heard);
    shift(link.last_ping);
  }
  for (StripeUpstream& up : stripes_) {
    shift(up.last_arrival);
    if (up.state == StripeUpstream::State::kPending) shift(up.since);
  }
}

void Engine::leave() {
  if (join_state_ == JoinState::kLeft) return;
  std::vector<PeerId> peers;
  for (const auto& [peer, link] : links_)
    if (link.up) peers.push_back(peer);
  std::sort(peers.begin(), peers.end());
  for (PeerId p : peers) {
    send(p, Leave{});
    emit(out::Disconnect{p});
  }
  links_.clear();
  join_state_ = JoinState::kLeft;
  next_report_at_ = kNever;
  playout_.stop();
}

EngineStatus Engine::status() const {
  EngineStatus st;
  st.joined = join_state_ == JoinState::kJoined;
  st.playing = playout_.started();
  st.playout_delay = playout_.delay();
  st.children = downstream_.used();
  st.capacity_slots = downstream_.capacity();
  st.next_to_play = playout_.next();
  std::vector<PeerId> parents;
  for (std::size_t s = 0; s < stripes_.size(); ++s) {
    const auto& up = stripes_[s];
    if (up.state != StripeUpstream::State::kActive) continue;
    ++st.active_upstreams;
    st.max_depth = std::max(st.max_depth, up.depth);
    if (std::find(parents.begin(), parents.end(), up.parent) == parents.end())
      parents.push_back(up.parent);
  }
  st.distinct_upstreams = static_cast<int>(parents.size());
  return st;
}

}  // namespace potok
