// A peer's stream side: receiving chunks, forwarding them, playing them at their deadline,
// and repairing the ones about to miss it.
#include <algorithm>

#include "core/engine.hpp"
#include "core/parity.hpp"
#include "core/wire.hpp"

namespace potok {

namespace {
constexpr Duration kRepairRetryAfter = ms(300);
constexpr std::uint64_t kScanLimit = 128;  // never walk more of the window than this per input
constexpr std::uint64_t kMaxAhead = 512;  // chunks beyond the newest we know: a lie, not news
}  // namespace

std::uint64_t Engine::chunks_produced_since_newest() const {
  const std::int64_t since_us = clock_.known ? clock_.to_source(now_) - ref_capture_us_ : 0;
  return since_us > 0 ? static_cast<std::uint64_t>(since_us / params_.chunk_duration.count()) : 0;
}

std::int64_t Engine::estimated_capture_us(ChunkSeq seq) const {
  const std::int64_t step = params_.chunk_duration.count();
  return ref_capture_us_ + (params_.media_index(seq) - params_.media_index(newest_seen_)) * step;
}

std::optional<Duration> Engine::measured_via(PeerId parent) const {
  std::optional<Duration> worst;
  for (const auto& s : stripes_)
    if (s.delay.primed() && s.state == StripeUpstream::State::kActive && s.parent == parent)
      worst = std::max(worst.value_or(Duration{}), s.delay.upper());
  return worst;
}

Duration Engine::target_delay() const {
  // The slowest stripe decides: measured if it has delivered live chunks, else as measured on
  // another stripe from the same parent (same path), else what its parent announced plus half
  // the RTT and one chunk transfer.
  // With parity, a row is whole once all its stripes but one are here: the second slowest
  // decides, and the slowest one's chunks are rebuilt before they come (complete_row).
  Duration worst{}, second{};
  std::size_t counted = 0;
  auto count = [&](Duration d) {
    second = std::max(second, std::min(worst, d));
    worst = std::max(worst, d);
    ++counted;
  };
  for (const auto& s : stripes_) {
    if (s.delay.primed()) {
      count(s.delay.upper());
    } else if (s.state != StripeUpstream::State::kActive) {
      continue;
    } else if (const auto shared = measured_via(s.parent)) {
      count(*shared);
    } else if (const Candidate* c = candidates_.find(s.parent)) {
      count(Duration{static_cast<Duration::rep>(expected_delay_ms(*c, vivaldi_.coord(), chunk_transfer_time()) * 1000)});
    }
  }
  const Duration decisive = params_.parity && counted == stripes_.size() ? second : worst;
  const Duration target = decisive + config_.tuning.playout_margin + config_.tuning.repair_room;
  return std::clamp(target, config_.tuning.min_delay, config_.tuning.max_delay);
}

void Engine::on_chunk(PeerId from, const ChunkData& data) {
  const ChunkPtr& chunk = data.chunk;
  const ChunkHeader& h = chunk->header;
  const std::uint64_t size = wire::wire_size(data);
  if (!have_params_) {
    accounting_.received(from, size, chunk->payload_size(), true);
    return;
  }
  const StripeUpstream& up = stripes_[params_.stripe_of(h.seq).value];
  const bool from_parent = up.state != StripeUpstream::State::kNone && up.parent == from;
  // Only parents (old, new, or one we are moving to) and neighbours we asked for a repair send
  // us chunks; and no honest peer is far ahead of everything we have seen. Anything else is
  // dropped before it can move our playhead.
  const auto asked = repairs_.find(h.seq.value);
  const bool helper = asked != repairs_.end() && asked->second.was_asked(from);
  const bool expected = from_parent || up.moving_to == from || helper;
  // Ahead by what the stream has produced since our newest chunk was captured, too: a peer
  // that starved longer than kMaxAhead chunks (25.6 s) dropped every chunk after it for good.
  // Worked out only past the fixed bound: nearly every chunk is within it.
  const bool plausible = !seen_any_ || h.seq.value <= newest_seen_.value + kMaxAhead ||
                         h.seq.value <= newest_seen_.value + kMaxAhead + chunks_produced_since_newest();
  if (!expected || !plausible) {
    accounting_.received(from, size, chunk->payload_size(), true);
    // Races, not lies, are dropped without a report: what a parent we just left had already
    // sent, and answers to Wants that come after we played past the chunk.
    const bool in_flight = up.former.in_flight(from, now_);
    const bool stale = playout_.started() && h.seq < playout_.next();
    if (!plausible || !(in_flight || stale)) event(out::EventKind::kProtocolViolation, from, h.seq);
    return;
  }
  // A copy we already hold needs no second check; it still counts as a live push below.
  if (config_.verify_chunks && !buffer_.has(h.seq)) {
    emit(out::Verify{from, data});
    return;
  }
  accept_chunk(from, data);
}

void Engine::on_verified(const in::Verified& verdict) {
  if (!verdict.data.chunk || join_state_ == JoinState::kLeft || banned_.count(verdict.from)) return;
  if (!verdict.ok) {
    accounting_.received(verdict.from, wire::wire_size(verdict.data), verdict.data.chunk->payload_size(), true);
    penalise_forgery(verdict.from, verdict.data.chunk->header.seq);
    return;
  }
  accounting_.verified(verdict.from, true);
  accept_chunk(verdict.from, verdict.data);
}

void Engine::penalise_forgery(PeerId from, ChunkSeq seq) {
  accounting_.verified(from, false);
  const int count = ++forgeries_[from];
  event(out::EventKind::kForgedChunk, from, seq, Duration{count});
  // One bad chunk may be a bit flip on a bad link; a few are a liar. Cut it off: its stripes
  // find new parents the usual way, as if it had left.
  if (count < config_.tuning.forgery_limit) return;
  banned_.insert(from);
  event(out::EventKind::kPeerBanned, from, seq);
  emit(out::Disconnect{from});
  on_disconnected(from);
}

void Engine::accept_chunk(PeerId from, const ChunkData& data) {
  const ChunkPtr& chunk = data.chunk;
  const ChunkHeader& h = chunk->header;
  const std::uint64_t size = wire::wire_size(data);
  StripeUpstream& up = stripes_[params_.stripe_of(h.seq).value];
  const bool from_parent = up.state != StripeUpstream::State::kNone && up.parent == from;
  if (from_parent) {
    // A live push beat the ack. A repair does not count: a parent of another stripe answers
    // our Wants for this one too, and may yet refuse the subscription.
    if (up.state == StripeUpstream::State::kPending && !data.repair) {
      up.state = StripeUpstream::State::kActive;
      up.since = now_;
    }
    // Only live pushes prove the stripe flows: a stalled parent may still pass on repairs.
    if (!data.repair) {
      up.last_arrival = now_;
      up.last_pushed = std::max(up.last_pushed, h.seq);
      up.newest_live = std::max(up.newest_live, h.seq);
      up.depth = data.hops;
      up.delay.add(Duration{clock_.to_source(now_) - h.capture_us});
    }
  }
  // Already played past, or skipped: it is useless here, and it says our parent is too slow.
  const bool too_late = playout_.started() && h.seq < playout_.next();
  if (from_parent && !data.repair) up.late_streak = too_late ? up.late_streak + 1 : 0;

  const auto inserted = buffer_.insert(chunk);
  const bool useful = inserted == ChunkBuffer::Insert::kNew;
  accounting_.received(from, size, chunk->payload_size(), !useful);
  if (!useful) return;
  if (params_.is_parity(h.seq)) accounting_.parity_received(chunk->payload_size());
  // The repair entry stays until playout passes it: the helper's answer may still be on its way.
  note_new_chunk(h);
  if (from_parent || data.repair) forward(chunk, static_cast<std::uint8_t>(std::min(254, data.hops + 1)), data.repair);
  if (params_.parity) complete_row(h.seq);
  if (!playout_.started()) maybe_start_playout();
  else playout_.steer(target_delay());
}

void Engine::maybe_start_playout() {
  if (playout_.started() || !seen_any_ || !clock_.known) return;
  // Every stripe needs a parent that accepted us, so D covers the slowest; a stripe still
  // without one after a while must not hold the picture back forever.
  int accepted = 0, wanted = 0;
  for (const auto& s : stripes_) {
    accepted += s.state == StripeUpstream::State::kActive ? 1 : 0;
    wanted += s.state != StripeUpstream::State::kOff ? 1 : 0;
  }
  const bool patient = now_ - started_at_ < config_.tuning.start_patience;
  if (accepted < wanted && (patient || accepted == 0)) return;
  // A stripe that has not delivered a live chunk yet is judged by what its parent announced,
  // which may be stale: start a little further behind, and let D settle down from there. The
  // first live push (backfill does not count) shows the real delay, and it comes within a
  // chunk period or two: waiting that long for it beats starting needlessly far behind.
  const bool any_measured = std::any_of(stripes_.begin(), stripes_.end(),
                                        [](const StripeUpstream& u) { return u.delay.primed(); });
  if (!any_measured && now_ < measure_wait_until()) return;
  const bool all_measured = std::all_of(stripes_.begin(), stripes_.end(), [&](const StripeUpstream& u) {
    return u.state == StripeUpstream::State::kOff || u.delay.primed() ||
           (u.state == StripeUpstream::State::kActive && measured_via(u.parent));
  });
  // But D starts without the repair room, which covers a parent lost while playing: a joiner's
  // parents have just taken it, and the room comes within a second of playing (D grows a
  // quarter of a chunk per chunk played). Waiting it out delayed every picture by that much.
  // Not below start_room_floor, though: a short D (a small swarm, the live node's 0.6 s) leaves
  // a browser's player little buffer besides the room, and its first seconds stalled more often.
  const Duration full = target_delay() + (all_measured ? Duration{} : config_.tuning.unmeasured_margin);
  const Duration lean = full - (config_.tuning.repair_room - config_.tuning.start_repair_room);
  const Duration delay = std::min(config_.tuning.max_delay,
                                  std::max(lean, std::min(full, config_.tuning.start_room_floor)));
  // Start at the oldest keyframe we can still show on time with everything after it in hand,
  // or up to start_stretch too late for D. Such a start shows the picture now instead of after
  // a wait of up to a group plus D, and begins that much further behind; D then glides back
  // to its target (playbackRate 1.09), in at most 9 s for the default stretch. While the oldest
  // such keyframe lacks chunks, we wait for them rather than start at a newer one: its picture
  // would come a group later than this one's, even if we started now.
  const std::uint64_t lo = newest_seen_.value >= buffer_.window() ? newest_seen_.value - buffer_.window() + 1 : 0;
  for (std::uint64_t seq = lo; seq <= newest_seen_.value; ++seq) {
    const ChunkPtr* c = buffer_.find(ChunkSeq{seq});
    if (!c || !(*c)->header.keyframe) continue;
    const Instant captured = clock_.to_local((*c)->header.capture_us);
    if (captured + delay + config_.tuning.start_stretch < now_) continue;
    // Everything after the keyframe must be here, except on a stripe that has no parent yet
    // (those chunks are repaired or skipped), and except what a slower stripe will still bring
    // in time: waiting for all of it to catch up with the fastest stripe would never end.
    // Walked newest first, to know which missing chunks are holes behind a stripe's newest.
    bool complete = true;
    StripeMask held_newer = 0;
    for (std::uint64_t s = newest_seen_.value + 1; s-- > seq && complete;) {
      const StripeMask bit = StripeMask{1} << params_.stripe_of(ChunkSeq{s}).value;
      if (buffer_.has(ChunkSeq{s})) held_newer |= bit;
      else complete = !overdue(ChunkSeq{s}, (held_newer & bit) != 0);
    }
    if (!complete) {
      start_wait_until_ = captured + delay + config_.tuning.start_stretch + Duration{1};  // just past it
      return;
    }
    const Duration late_by_start = now_ + params_.chunk_duration / 2 - captured;
    playout_.start(ChunkSeq{seq}, std::min(config_.tuning.max_delay, std::max(delay, late_by_start)));
    next_report_at_ = now_;  // tell the bootstrap at once that we can relay now
    advance_playout();
    return;
  }
}

bool Engine::overdue(ChunkSeq seq, bool hole) const {
  const StripeIndex stripe = params_.stripe_of(seq);
  const StripeUpstream& up = stripes_[stripe.value];
  if (up.state != StripeUpstream::State::kActive) return false;
  // A hole behind what its stripe has brought counts, or the player would stall at the gap
  // right after starting; except on a stripe that is much slower than another measured one:
  // only what it should have brought by now counts there. So does a measured stripe's next
  // chunk, still on its way: with 50 ms chunks the faster stripes were nearly always a chunk
  // ahead of the slowest, whose next one was always missing, and some joiners never started.
  const bool next_on_its_way = !hole && up.delay.primed();
  if (!next_on_its_way) {
    const Duration fastest = fastest_other_stripe(stripe);
    const bool lagging = up.delay.primed() && fastest != Duration::max() &&
                         up.delay.mean() > fastest + config_.tuning.slow_parent_gap;
    if (!lagging) return true;
  }
  return clock_.to_local(estimated_capture_us(seq)) + up.delay.upper() < now_;
}

Instant Engine::head_deadline() const {
  if (!playout_.started() || !seen_any_ || playout_.next() > newest_seen_) return kNever;
  if (buffer_.has(playout_.next())) return kNever;
  return playout_.deadline(estimated_capture_us(playout_.next()), clock_);
}

void Engine::advance_playout() {
  if (!playout_.started()) {
    maybe_start_playout();
    return;
  }
  for (std::uint64_t steps = 0; steps < kScanLimit && seen_any_ && playout_.next() <= newest_seen_; ++steps) {
    const ChunkSeq seq = playout_.next();
    if (params_.is_parity(seq)) {  // never shown: it only stands in for a missing chunk
      playout_.pass();
      continue;
    }
    if (const ChunkPtr* c = buffer_.find(seq)) {
      const Instant play_at = playout_.deadline((*c)->header.capture_us, clock_);
      if (play_at < now_) {  // arrived, but too late to show: never play late
        event(out::EventKind::kChunkSkipped, {}, seq);
        playout_.advance(true);
        continue;
      }
      if (!reported_start_) {
        reported_start_ = true;
        event(out::EventKind::kPlaybackStarted, {}, seq, play_at - started_at_);
      }
      emit(out::Deliver{*c, play_at});
      playout_.advance(false);
      continue;
    }
    if (now_ < playout_.deadline(estimated_capture_us(seq), clock_)) break;
    event(out::EventKind::kChunkSkipped, {}, seq);
    playout_.advance(true);
  }
  // A long run of skips means we are watching nothing: start over at the newest group.
  if (playout_.skip_streak() >= 2 * params_.chunks_per_group) {
    playout_.stop();
    event(out::EventKind::kResynced, {}, playout_.next());
    maybe_start_playout();
  }
}

ChunkSeq Engine::first_gap() const {
  // Chunks only ever arrive, so everything below the last gap found is still here (or played).
  // The parity chunks of a stripe we do not take are no gap: they never come, and are never
  // needed (without this, every peer but the guards rescanned the window on every input).
  const bool parity_off = params_.parity && !takes_parity_stripe();
  ChunkSeq s = std::max(playout_.next(), scan_from_);
  while (s <= newest_seen_ && (buffer_.has(s) || (parity_off && params_.is_parity(s)))) s = next(s);
  scan_from_ = s;
  return s;
}

Instant Engine::repair_trigger(ChunkSeq seq) const {
  const StripeIndex stripe = params_.stripe_of(seq);
  const StripeUpstream& up = stripes_[stripe.value];
  const std::int64_t capture = estimated_capture_us(seq);
  const Instant deadline = playout_.deadline(capture, clock_);
  const Instant last_call = deadline - config_.tuning.repair_room;
  if (up.state != StripeUpstream::State::kActive) {
    // No parent feeds this stripe (it left, or the next has not answered): its chunks are as due
    // as the other stripes'. Ask once the fastest of those would have brought one, so that a
    // refusal or a slow answer still leaves time for another helper.
    const Duration fastest = fastest_other_stripe(stripe);
    if (fastest == Duration::max()) return last_call;
    return std::min(last_call, clock_.to_local(capture) + fastest + config_.tuning.repair_grace);
  }
  if (!up.delay.primed()) return last_call;  // a new parent, not measured yet: give it time
  const Instant expected = clock_.to_local(capture) + up.delay.mean() + 2 * up.delay.deviation();
  return std::min(expected + config_.tuning.repair_grace, deadline - config_.tuning.repair_room / 2);
}

Instant Engine::next_repair_at(ChunkSeq seq) const {
  if (params_.is_parity(seq)) return kNever;  // only ever needed to rebuild another chunk
  auto it = repairs_.find(seq.value);
  if (it == repairs_.end()) return repair_trigger(seq);
  if (it->second.attempts == 0) return std::max(repair_trigger(seq), it->second.not_before);
  if (it->second.attempts >= RepairState::kMaxAttempts) return kNever;
  // Asked once: try someone else if no chunk (or a NotHave, which clears asked_at) came back.
  return it->second.refused ? now_ : it->second.asked_at + kRepairRetryAfter;
}

Instant Engine::repair_wake(ChunkSeq seq) const {
  // Refused, with nobody left to ask, a chunk is due again at once: it is tried on every input
  // (a new parent may turn up in any of them), but wakes us only every kRepairRetryAfter. As a
  // wake-up it asked for "now" and was woken every millisecond until its deadline.
  const Instant due = next_repair_at(seq);
  const auto it = repairs_.find(seq.value);
  return it == repairs_.end() ? due : std::max(due, it->second.not_before);
}

PeerId Engine::repair_helper(StripeIndex stripe, const RepairState& r) const {
  // First the fastest other parent: parents receive every stripe, so they hold the chunk if
  // they are ahead of us. But they relay to full slots and often have no upload left for
  // repairs (in a 1k churn trace, 37,577 refusals for that against 14,092 for lacking the
  // chunk), so a second and third try go to a child with upload of its own that takes this
  // stripe from someone else. 10k x 200 s churn, seed 1: continuity 0.9777 with two tries of
  // parents, 0.9827 with a third try of a child, 0.9857 with both retries children first.
  if (r.attempts > 0) {
    PeerId child = strongest_child_helper(stripe, r);
    if (child != PeerId{}) return child;
  }
  PeerId helper{};
  Duration best = Duration::max();
  for (std::uint8_t s = 0; s < stripes_.size(); ++s) {
    const StripeUpstream& up = stripes_[s];
    if (up.state != StripeUpstream::State::kActive) continue;
    if (r.was_asked(up.parent)) continue;
    if (s == stripe.value && r.attempts == 0 && up.late_streak == 0) continue;
    // A parent that has not pushed a live chunk yet (we just joined) is still worth asking.
    const Duration delay = up.delay.primed() ? up.delay.mean() : Duration::max() / 2;
    if (delay < best) {
      best = delay;
      helper = up.parent;
    }
  }
  return helper;
}

PeerId Engine::strongest_child_helper(StripeIndex stripe, const RepairState& r) const {
  // A child we feed this stripe cannot have it; the one with the most slots has the most upload.
  PeerId helper{};
  std::uint16_t strongest = 0;
  for (std::uint8_t s = 0; s < downstream_.stripe_count(); ++s) {
    for (const ChildLink& child : downstream_.children(StripeIndex{s})) {
      if (child.capacity_slots <= strongest || r.was_asked(child.peer)) continue;
      if (downstream_.has_child(stripe, child.peer)) continue;
      strongest = child.capacity_slots;
      helper = child.peer;
    }
  }
  return helper;
}

void Engine::check_repairs() {
  if (!playout_.started() || !seen_any_) return;
  // Forget repairs we have played past.
  for (auto it = repairs_.begin(); it != repairs_.end();)
    it = it->first < playout_.next().value ? repairs_.erase(it) : std::next(it);

  std::uint64_t scanned = 0;
  for (ChunkSeq seq = first_gap(); seq <= newest_seen_ && scanned < kScanLimit; seq = next(seq), ++scanned) {
    if (buffer_.has(seq) || now_ < next_repair_at(seq)) continue;
    RepairState& r = repairs_[seq.value];
    const PeerId helper = repair_helper(params_.stripe_of(seq), r);
    if (helper == PeerId{}) {  // nobody to ask yet: look again a little later
      r.not_before = now_ + kRepairRetryAfter;
      continue;
    }
    r.asked[r.attempts++] = helper;
    r.refused = false;
    r.asked_at = now_;
    send(helper, Want{seq});
    event(out::EventKind::kRepairRequested, helper, seq);
  }
}

void Engine::note_new_chunk(const ChunkHeader& h) {
  if (!seen_any_) first_chunk_at_ = now_;
  if (!seen_any_ || h.seq > newest_seen_) {
    newest_seen_ = h.seq;
    ref_capture_us_ = h.capture_us;
    seen_any_ = true;
  }
  if (h.keyframe && h.seq > group_start_) group_start_ = h.seq;
}

bool Engine::rebuild(ChunkSeq missing) {
  if (!params_.parity || params_.is_parity(missing) || buffer_.has(missing)) return false;
  if (playout_.started() && missing < playout_.next()) return false;
  const ChunkSeq first = params_.row_start(missing);
  const ChunkPtr* parity = buffer_.find(ChunkSeq{first.value + params_.stripe_count - 1u});
  if (!parity) return false;
  std::vector<ChunkPtr> others;
  for (std::uint64_t s = first.value; s < first.value + params_.data_stripes(); ++s) {
    if (s == missing.value) continue;
    const ChunkPtr* c = buffer_.find(ChunkSeq{s});
    if (!c) return false;
    others.push_back(*c);
  }
  const std::optional<ChunkPtr> rebuilt = rebuild_from_parity(params_, missing, **parity, others);
  if (!rebuilt) {
    event(out::EventKind::kProtocolViolation, config_.bootstrap, missing);  // only the source makes parity
    return false;
  }
  buffer_.insert(*rebuilt);
  accounting_.rebuilt((*rebuilt)->payload_size());
  note_new_chunk((*rebuilt)->header);
  // Our children in that stripe get it as if our parent had pushed it: a subtree goes on
  // receiving a stripe whose parent we lost while we look for another.
  StripeUpstream& up = stripes_[params_.stripe_of(missing).value];
  up.newest_rebuilt = std::max(up.newest_rebuilt, missing);
  forward(*rebuilt, static_cast<std::uint8_t>(std::min(254, (up.depth != 0 ? up.depth : 253) + 1)), false);
  return true;
}

void Engine::complete_row(ChunkSeq arrived) {
  // A row this chunk leaves one short is whole already: the last chunk is rebuilt now, not when
  // it comes. So each stripe reaches us, and our children, as soon as the fastest four of the
  // row's five have: the slowest stripe's delay stops adding up hop after hop down the trees,
  // and a stripe whose parent left flows on while we find another.
  const ChunkSeq first = params_.row_start(arrived);
  ChunkSeq missing{};
  int lacking = 0;
  for (std::uint64_t s = first.value; s < first.value + params_.stripe_count; ++s)
    if (!buffer_.has(ChunkSeq{s})) {
      missing = ChunkSeq{s};
      ++lacking;
    }
  if (lacking == 1) rebuild(missing);
}

}  // namespace potok
