// One viewer's engine driven by hand: one bootstrap, four parents, one stripe each, and chunks
// arriving exactly when a test says.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <variant>

#include "core/engine.hpp"

namespace potok {
namespace {

const PeerId kBootstrap{1}, kSelf{2};
PeerId parent_of(std::uint8_t stripe) { return PeerId{10u + stripe}; }

class Joiner {
 public:
  Joiner() {
    EngineConfig cfg;
    cfg.self = kSelf;
    cfg.bootstrap = kBootstrap;
    cfg.upload_cap_bps = 0;  // a leaf: no climbing, no children
    cfg.verify_chunks = false;
    engine_ = std::make_unique<Engine>(cfg);
  }

  // Parents answer every Ping at once, so they are alive.
  void feed(Instant now, decltype(Input::event) event) {
    engine_->handle_input(Input{now, std::move(event)});
    std::vector<std::pair<PeerId, Ping>> pings;
    for (;;) {
      Output o = engine_->poll_output();
      if (std::holds_alternative<out::WakeAt>(o)) break;
      if (auto* tx = std::get_if<out::Transmit>(&o))
        if (auto* ping = std::get_if<Ping>(&tx->message)) pings.emplace_back(tx->to, *ping);
      if (auto* c = std::get_if<out::Connect>(&o)) connects.push_back(c->peer);
      if (auto* tx = std::get_if<out::Transmit>(&o)) {
        if (auto* sub = std::get_if<Subscribe>(&tx->message)) subscribed[tx->to.value] |= sub->stripes;
        if (std::holds_alternative<CandidateQuery>(tx->message)) ++queries;
      }
      if (auto* d = std::get_if<out::Deliver>(&o)) delivered.push_back({d->chunk->header.seq, d->play_at, now});
      if (auto* e = std::get_if<out::Event>(&o)) {
        if (e->kind == out::EventKind::kPlaybackStarted) started_at = now;
        if (e->kind == out::EventKind::kChunkSkipped) ++skipped;
        if (e->kind == out::EventKind::kParentSwitched) given_up.push_back({e->peer, e->detail});
      }
    }
    for (const auto& [to, ping] : pings)
      if (to != kBootstrap) feed(now, in::Received{to, Pong{ping.nonce, ping.sent_us, 100, 1, 0, 0, NetCoord{}}});
  }

  struct Played {
    ChunkSeq seq;
    Instant play_at, handed_at;
  };
  std::vector<PeerId> connects;
  std::map<std::uint64_t, StripeMask> subscribed;
  std::vector<Played> delivered;
  Instant started_at = kNever;
  int skipped = 0;
  int queries = 0;  // CandidateQuery to the bootstrap
  struct Loss {
    PeerId parent;
    std::uint8_t reason;
  };
  std::vector<Loss> given_up;

 private:
  std::unique_ptr<Engine> engine_;
};

ChunkPtr chunk(std::uint64_t seq, const StreamParams& p) {
  auto c = std::make_shared<Chunk>();
  c->header.seq = ChunkSeq{seq};
  c->header.group = GroupId{seq / p.chunks_per_group};
  c->header.keyframe = seq % p.chunks_per_group == 0;
  c->header.capture_us = static_cast<std::int64_t>(seq) * p.chunk_duration.count();  // source clock = ours
  c->payload = std::make_shared<const Bytes>(100, std::uint8_t{0});
  return c;
}

// Joins at t0 and has every stripe's parent accept it by t0 + 60 ms.
void join_four_parents(Joiner& j, Instant t0, const StreamParams& p) {
  j.feed(t0, in::Start{});
  j.feed(t0, in::Connected{kBootstrap});
  Welcome w;
  w.source_time_us = us_of(t0);
  w.params = p;
  w.head_seq = ChunkSeq{100};
  w.group_start_seq = ChunkSeq{100};
  for (std::uint8_t s = 0; s < p.stripe_count; ++s)
    w.candidates.push_back(CandidateInfo{parent_of(s), 100, 1, 1, StripeMask{1} << s, NatClass::kOpen, NetCoord{}});
  j.feed(t0, in::Received{kBootstrap, w});
  for (std::uint8_t s = 0; s < p.stripe_count; ++s) {
    j.feed(t0 + ms(40), in::Connected{parent_of(s)});
    ASSERT_EQ(j.subscribed[parent_of(s).value], StripeMask{1} << s) << "stripe " << int(s);
    j.feed(t0 + ms(60), in::Received{parent_of(s), SubscribeAck{StripeMask{1} << s, 0}});
  }
}

// Whose parents in some stripes are much further behind the source than the others still
// starts playing, at a delay that covers the slow stripes. (It used to wait for the slow
// stripes to catch up with the fast ones, which never happens: seen in the simulator as a peer
// that relayed for ten minutes and never showed a picture.)
TEST(EngineHandDriven, PlaybackStartsWhileSomeStripesLagTheOthersBySeconds) {
  const StreamParams p{};
  const Duration fast = ms(200), slow = ms(1800);  // capture -> arrival, per stripe
  Joiner j;
  const Instant t0 = at_us(10'000'000);
  join_four_parents(j, t0, p);
  // From here on each parent pushes its stripe live; the even stripes, which carry every
  // keyframe (one per 10 chunks), arrive 1.6 s after the odd ones.
  std::multimap<std::int64_t, std::uint64_t> arrivals;  // time -> seq
  for (std::uint64_t seq = 100; seq < 260; ++seq) {
    const Duration lag = p.stripe_of(ChunkSeq{seq}).value % 2 == 0 ? slow : fast;
    arrivals.emplace(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + us_of(lag), seq);
  }
  for (const auto& [t_us, seq] : arrivals) {
    if (at_us(t_us) < t0 + ms(100) || at_us(t_us) > at_us(25'000'000)) continue;
    const PeerId from = parent_of(p.stripe_of(ChunkSeq{seq}).value);
    j.feed(at_us(t_us), in::Received{from, ChunkData{chunk(seq, p), 2, false}});
  }
  ASSERT_NE(j.started_at, kNever) << "never started playing";
  EXPECT_LT(j.started_at - t0, ms(5000));
  std::map<std::uint8_t, int> played;  // by stripe
  for (const auto& d : j.delivered) {
    EXPECT_GE(d.play_at, d.handed_at) << "seq " << d.seq.value << " handed over after its time";
    ++played[p.stripe_of(d.seq).value];
  }
  for (std::uint8_t s = 0; s < p.stripe_count; ++s) EXPECT_GE(played[s], 25) << "stripe " << int(s);
  EXPECT_LE(j.skipped, 5);
  EXPECT_TRUE(j.given_up.empty()) << "slow, but steady: the delay covers them";
}

// A viewer whose parent of one stripe leaves asks its parents of the other stripes for it
// before the bootstrap: they receive that stripe too, and the transports to them are up.
TEST(EngineHandDriven, AnOrphanedStripeIsAskedOfTheOtherParentsFirst) {
  const StreamParams p{};
  Joiner j;
  const Instant t0 = at_us(10'000'000);
  join_four_parents(j, t0, p);
  for (std::uint64_t seq = 101; seq < 130; ++seq) {  // a few seconds of live pushes
    const PeerId from = parent_of(p.stripe_of(ChunkSeq{seq}).value);
    j.feed(at_us(static_cast<std::int64_t>(seq) * p.chunk_duration.count() + 200'000),
           in::Received{from, ChunkData{chunk(seq, p), 2, false}});
  }
  const int queries_before = j.queries;
  j.subscribed.clear();
  j.feed(at_us(13'100'000), in::Disconnected{parent_of(0)});
  StripeMask asked_others = 0;
  for (std::uint8_t s = 1; s < p.stripe_count; ++s) asked_others |= j.subscribed[parent_of(s).value];
  EXPECT_EQ(asked_others, StripeMask{1}) << "stripe 0 asked of a parent of stripe 1, 2 or 3";
  EXPECT_EQ(j.queries, queries_before) << "no need to ask the bootstrap yet";
}

}  // namespace
}  // namespace potok
