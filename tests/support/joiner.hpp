// One viewer's engine driven by hand: one bootstrap, four parents, one stripe each, and chunks
// arriving exactly when a test says. Shared by the hand-driven engine tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <variant>

#include "core/engine.hpp"

namespace potok::hand_driven {

inline const PeerId kBootstrap{1}, kSelf{2};
inline PeerId parent_of(std::uint8_t stripe) { return PeerId{10u + stripe}; }

class Joiner {
 public:
  // A leaf by default: no climbing, no children.
  explicit Joiner(std::uint64_t upload_cap_bps = 0, const Tuning& tuning = Tuning{}) {
    EngineConfig cfg;
    cfg.tuning = tuning;
    cfg.self = kSelf;
    cfg.bootstrap = kBootstrap;
    cfg.upload_cap_bps = upload_cap_bps;
    cfg.verify_chunks = false;
    engine_ = std::make_unique<Engine>(cfg);
  }

  // Parents answer every Ping that asks for an answer (not keepalives) at once: they are alive.
  void feed(Instant now, decltype(Input::event) event) {
    engine_->handle_input(Input{now, std::move(event)});
    last_input_at = now;
    std::vector<std::pair<PeerId, Ping>> pings;
    for (;;) {
      Output o = engine_->poll_output();
      if (const auto* wake = std::get_if<out::WakeAt>(&o)) {
        wake_at = wake->at;
        break;
      }
      if (auto* c = std::get_if<out::Connect>(&o)) {
        connects.push_back(c->peer);
        if (c->join) dial_joins.push_back(*c->join);
      }
      if (auto* tx = std::get_if<out::Transmit>(&o)) {
        sent_to[tx->to.value].push_back(now);
        if (auto* ping = std::get_if<Ping>(&tx->message)) pings.emplace_back(tx->to, *ping);
        if (auto* sub = std::get_if<Subscribe>(&tx->message)) {
          subscribed[tx->to.value] |= sub->stripes;
          subscriptions.emplace_back(tx->to, *sub);
        }
        if (auto* ack = std::get_if<SubscribeAck>(&tx->message)) acks.emplace_back(tx->to, *ack);
        if (auto* unsub = std::get_if<Unsubscribe>(&tx->message)) unsubscriptions.emplace_back(tx->to, *unsub);
        if (auto* evict = std::get_if<Evict>(&tx->message)) evicts.emplace_back(tx->to, *evict);
        if (std::holds_alternative<CandidateQuery>(tx->message)) ++queries;
        if (std::holds_alternative<JoinRequest>(tx->message)) ++join_requests_sent;
        if (auto* pong = std::get_if<Pong>(&tx->message)) pongs.emplace_back(tx->to, *pong);
        if (auto* data = std::get_if<ChunkData>(&tx->message))
          sent_chunks.push_back({tx->to, data->chunk->header.seq.value, now});
        if (auto* want = std::get_if<Want>(&tx->message)) {
          first_want.emplace(want->seq.value, now);
          wants.push_back({want->seq.value, tx->to});
        }
      }
      if (auto* d = std::get_if<out::Deliver>(&o)) delivered.push_back({d->chunk->header.seq, d->play_at, now});
      if (auto* e = std::get_if<out::Event>(&o)) {
        if (e->kind == out::EventKind::kPlaybackStarted) started_at = now;
        if (e->kind == out::EventKind::kChunkSkipped) ++skipped;
        if (e->kind == out::EventKind::kProtocolViolation) ++violations;
        if (e->kind == out::EventKind::kParentSwitched) given_up.push_back({e->peer, e->detail, now});
      }
    }
    for (const auto& [to, ping] : pings)
      if (to != kBootstrap && !muted.count(to) && ping.nonce != kKeepaliveNonce)
        feed(now, in::Received{to, Pong{ping.nonce, ping.sent_us, 100, 1, 0, 0, NetCoord{}}});
  }

  // Ticks the engine whenever it asked to be woken, up to `until`, as the simulator does: a
  // wake-up for a time already past comes a millisecond later. Returns how many ticks it took.
  int run_timers_until(Instant until, int limit = 100'000) {
    int ticks = 0;
    for (; ticks < limit && wake_at != kNever; ++ticks) {
      const Instant at = std::max(wake_at, last_input_at + ms(1));
      if (at > until) break;
      feed(at, in::Tick{});
    }
    return ticks;
  }

  struct Played {
    ChunkSeq seq;
    Instant play_at, handed_at;
  };
  std::vector<PeerId> connects;
  std::vector<JoinRequest> dial_joins;  // JoinRequests that rode a Connect
  int violations = 0;  // kProtocolViolation events
  std::map<std::uint64_t, StripeMask> subscribed;
  std::vector<std::pair<PeerId, Subscribe>> subscriptions;  // every one we sent, in order
  std::vector<std::pair<PeerId, SubscribeAck>> acks;  // our answers to subscribers
  std::vector<std::pair<PeerId, Unsubscribe>> unsubscriptions;
  std::vector<std::pair<PeerId, Pong>> pongs;          // our answers to Pings
  std::vector<std::pair<PeerId, Evict>> evicts;        // children we displaced
  struct Sent {
    PeerId to;
    std::uint64_t seq;
    Instant at;
  };
  std::vector<Sent> sent_chunks;
  std::map<std::uint64_t, std::vector<Instant>> sent_to;  // peer -> when we sent it anything
  std::vector<Played> delivered;
  Instant started_at = kNever;
  int skipped = 0;
  int queries = 0;  // CandidateQuery to the bootstrap
  int join_requests_sent = 0;  // on an open link
  std::map<std::uint64_t, Instant> first_want;  // seq -> when it was first asked of a helper
  std::vector<std::pair<std::uint64_t, PeerId>> wants;  // every Want: seq, helper
  std::set<PeerId> muted;  // parents that answer no Ping (they are gone)
  struct Loss {
    PeerId parent;
    std::uint8_t reason;
    Instant at;
  };
  std::vector<Loss> given_up;
  Instant wake_at = kNever;  // the engine's last WakeAt
  Instant last_input_at = kLongAgo;

  const Engine& engine() const { return *engine_; }

 private:
  std::unique_ptr<Engine> engine_;
};

// The hand-driven tests' timelines (when each chunk is pushed, when a parent is quiet) were
// written for 100 ms chunks, 10 to a group. The engine takes any chunk duration from the
// Welcome, so they run on that stream rather than on the default one.
inline StreamParams stream_of_100ms_chunks() {
  StreamParams p;
  p.chunk_duration = ms(100);
  p.chunks_per_group = 10;
  return p;
}

inline ChunkPtr chunk(std::uint64_t seq, const StreamParams& p) {
  auto c = std::make_shared<Chunk>();
  c->header.seq = ChunkSeq{seq};
  c->header.group = GroupId{seq / p.chunks_per_group};
  c->header.keyframe = seq % p.chunks_per_group == 0;
  c->header.capture_us = static_cast<std::int64_t>(seq) * p.chunk_duration.count();  // source clock = ours
  c->payload = std::make_shared<const Bytes>(100, std::uint8_t{0});
  return c;
}

// Starts at t0 and is welcomed at once: the stream is at chunk 100, a keyframe.
inline Welcome start_and_welcome(Joiner& j, Instant t0, const StreamParams& p) {
  j.feed(t0, in::Start{});
  j.feed(t0, in::Connected{kBootstrap});
  Welcome w;
  w.source_time_us = us_of(t0);
  w.params = p;
  w.head_seq = ChunkSeq{100};
  w.group_start_seq = ChunkSeq{100};
  return w;
}

// Joins at t0 and has every stripe's parent accept it by t0 + 60 ms.
inline void join_four_parents(Joiner& j, Instant t0, const StreamParams& p) {
  Welcome w = start_and_welcome(j, t0, p);
  for (std::uint8_t s = 0; s < p.stripe_count; ++s)
    w.candidates.push_back(CandidateInfo{parent_of(s), 100, 1, 1, StripeMask{1} << s, NatClass::kOpen, NetCoord{}});
  j.feed(t0, in::Received{kBootstrap, w});
  for (std::uint8_t s = 0; s < p.stripe_count; ++s) {
    j.feed(t0 + ms(40), in::Connected{parent_of(s)});
    ASSERT_EQ(j.subscribed[parent_of(s).value], StripeMask{1} << s) << "stripe " << int(s);
    j.feed(t0 + ms(60), in::Received{parent_of(s), SubscribeAck{StripeMask{1} << s, 0}});
  }
}

// Live pushes of chunks [from, to) from their stripes' parents, `lag_ms` (by default 200 ms)
// after capture, except from the parents in `silent`.
inline void push_live(Joiner& j, const StreamParams& p, std::uint64_t from, std::uint64_t to,
               const std::map<std::uint8_t, PeerId>& parents, const std::set<PeerId>& silent = {},
               const std::map<std::uint8_t, int>& lag_ms = {}, std::uint8_t hops = 2) {
  std::vector<std::pair<Instant, std::uint64_t>> pushes;  // in time order: the engine's clock only advances
  for (std::uint64_t seq = from; seq < to; ++seq) {
    const std::uint8_t stripe = p.stripe_of(ChunkSeq{seq}).value;
    const int lag = lag_ms.count(stripe) ? lag_ms.at(stripe) : 200;
    pushes.emplace_back(at_us(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + lag * 1000), seq);
  }
  std::sort(pushes.begin(), pushes.end());
  for (const auto& [at, seq] : pushes) {
    const PeerId parent = parents.at(p.stripe_of(ChunkSeq{seq}).value);
    if (silent.count(parent)) j.feed(at, in::Tick{});
    else j.feed(at, in::Received{parent, ChunkData{chunk(seq, p), hops, false}});
  }
}

// Joins at 10 s with one parent per stripe, which push chunks 101-129 with `hops` (our depth);
// returns who feeds what.
inline std::map<std::uint8_t, PeerId> join_and_play_three_seconds(Joiner& j, const StreamParams& p,
                                                                  std::uint8_t hops = 2) {
  join_four_parents(j, at_us(10'000'000), p);
  std::map<std::uint8_t, PeerId> parents;
  for (std::uint8_t s = 0; s < p.stripe_count; ++s) parents[s] = parent_of(s);
  push_live(j, p, 101, 130, parents, {}, {}, hops);
  return parents;
}

}  // namespace potok::hand_driven
